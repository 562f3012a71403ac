package dev.nanogen.gateway.catalog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.tx.Pipeline;
import dev.nanogen.gateway.tx.Pipelines;
import dev.nanogen.model.ModelKind;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the model catalog (the {@code models} table, seeded by Flyway, edited by admins). Compiled
 * parameter schemas and input rules are kept by their text, so an edit takes effect on the next
 * read.
 */
@Component
public class ModelCatalog {
  private static final String COLUMNS =
      """
      SELECT id, name, kind, provider_model, price, enabled, deadline_seconds, max_active_per_user,
             unavailable_until, params_schema::text, pinned_params::text, pricing::text,
             inputs::text
      FROM models
      """;

  private static final String ALL = COLUMNS + " ORDER BY sort_order, id";

  private static final String ONE = COLUMNS + " WHERE id = :id";

  private final JdbcClient jdbc;
  private final JsonMapper json;
  private final Clock clock;
  private final Cache<String, ModelParams> compiled =
      Caffeine.newBuilder().maximumSize(1_000).build();
  private final Cache<String, CatalogModel.Inputs> inputsOf =
      Caffeine.newBuilder().maximumSize(1_000).build();

  private final Pipelines pipelines;

  ModelCatalog(JdbcClient jdbc, Pipelines pipelines, JsonMapper json, Clock clock) {
    this.pipelines = pipelines;
    this.jdbc = jdbc;
    this.json = json;
    this.clock = clock;
  }

  public List<CatalogModel> all() {
    return jdbc.sql(ALL).query(this::map).list();
  }

  /**
   * The model, if it exists, is enabled and its provider is not known to be down; else
   * MODEL_NOT_FOUND or MODEL_UNAVAILABLE.
   */
  public CatalogModel startable(String id) {
    Pipeline p = pipelines.open();
    Pipeline.Result<CatalogModel> model = startable(p, id);
    p.send();
    return model.get();
  }

  /** {@link #startable(String)}, read with {@code p}'s other statements. */
  public Pipeline.Result<CatalogModel> startable(Pipeline p, String id) {
    return p.query(ONE, new MapSqlParameterSource("id", id), this::map)
        .map(rows -> startable(rows, id));
  }

  private CatalogModel startable(List<CatalogModel> rows, String id) {
    if (rows.isEmpty()) {
      throw new AppError(ErrorCode.MODEL_NOT_FOUND, "no model with id " + id);
    }
    CatalogModel model = rows.getFirst();
    if (!model.enabled()) {
      throw new AppError(ErrorCode.MODEL_UNAVAILABLE, "model " + id + " is disabled");
    }
    if (!model.availableAt(clock.instant())) {
      throw new AppError(
          ErrorCode.MODEL_UNAVAILABLE,
          "the provider of model " + id + " is failing; try again later");
    }
    return model;
  }

  private CatalogModel.Inputs inputs(String text) {
    tools.jackson.databind.JsonNode node = json.readTree(text);
    int max = node.path("max").asInt(0);
    if (max == 0) {
      return CatalogModel.Inputs.NONE;
    }
    return new CatalogModel.Inputs(
        node.path("min").asInt(0),
        max,
        node.path("param").asString(null),
        node.path("list").asBoolean(false));
  }

  private CatalogModel map(ResultSet rs, int row) throws SQLException {
    String schema = rs.getString("params_schema");
    String pinned = rs.getString("pinned_params");
    String pricing = rs.getString("pricing");
    ModelParams params =
        compiled.get(
            schema + '\u0000' + pinned + '\u0000' + pricing,
            key ->
                new ModelParams(
                    json.readTree(schema), json.readTree(pinned), json.readTree(pricing), json));
    return new CatalogModel(
        rs.getString("id"),
        rs.getString("name"),
        ModelKind.fromWire(rs.getString("kind")),
        rs.getString("provider_model"),
        rs.getLong("price"),
        rs.getBoolean("enabled"),
        rs.getInt("deadline_seconds"),
        (Integer) rs.getObject("max_active_per_user"),
        Optional.ofNullable(rs.getTimestamp("unavailable_until"))
            .map(Timestamp::toInstant)
            .orElse(null),
        params,
        inputsOf.get(rs.getString("inputs"), this::inputs));
  }
}

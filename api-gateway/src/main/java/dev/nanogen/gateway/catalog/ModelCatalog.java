package dev.nanogen.gateway.catalog;

import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.model.ModelKind;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Optional;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Reads the model catalog (the {@code models} table, seeded by Flyway, edited by admins). */
@Component
public class ModelCatalog {
  private static final String ALL =
      """
      SELECT id, name, kind, provider_model, price, enabled, deadline_seconds, max_active_per_user,
             unavailable_until
      FROM models ORDER BY sort_order, id
      """;

  private static final String ONE =
      """
      SELECT id, name, kind, provider_model, price, enabled, deadline_seconds, max_active_per_user,
             unavailable_until
      FROM models WHERE id = :id
      """;

  private final JdbcClient jdbc;
  private final Clock clock;

  ModelCatalog(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  public List<CatalogModel> all() {
    return jdbc.sql(ALL).query(ModelCatalog::map).list();
  }

  /**
   * The model, if it exists, is enabled and its provider is not known to be down; else
   * MODEL_NOT_FOUND or MODEL_UNAVAILABLE.
   */
  public CatalogModel startable(String id) {
    CatalogModel model =
        jdbc.sql(ONE)
            .param("id", id)
            .query(ModelCatalog::map)
            .optional()
            .orElseThrow(
                () -> new AppError(ErrorCode.MODEL_NOT_FOUND, "no model with id " + id));
    if (!model.enabled()) {
      throw new AppError(ErrorCode.MODEL_UNAVAILABLE, "model " + id + " is disabled");
    }
    if (!model.availableAt(clock.instant())) {
      throw new AppError(ErrorCode.MODEL_UNAVAILABLE, "the provider of model " + id + " is failing; try again later");
    }
    return model;
  }

  private static CatalogModel map(ResultSet rs, int row) throws SQLException {
    return new CatalogModel(
        rs.getString("id"),
        rs.getString("name"),
        ModelKind.fromWire(rs.getString("kind")),
        rs.getString("provider_model"),
        rs.getLong("price"),
        rs.getBoolean("enabled"),
        rs.getInt("deadline_seconds"),
        (Integer) rs.getObject("max_active_per_user"),
        Optional.ofNullable(rs.getTimestamp("unavailable_until")).map(Timestamp::toInstant).orElse(null));
  }
}

package dev.nanogen.gateway.catalog;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.nanogen.gateway.error.ValidationFailed;
import dev.nanogen.gateway.error.ValidationFailed.FieldProblem;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a start may pass to one model and what it costs: the catalog's JSON Schema of the params
 * (validated with networknt's validator), the params the catalog pins, and the pricing rule. {@link
 * #resolve} turns a user's params into exactly what the provider is sent and what is held for it.
 */
public final class ModelParams {
  private static final SchemaRegistry SCHEMAS =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  private final JsonNode schemaNode;
  private final Schema schema;
  private final JsonNode pinned;
  private final JsonNode pricing;
  private final Map<String, Object> schemaView;
  private final Map<String, Object> pricingView;
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  /** {@link #resolve} of no params, by base price and number of photos. */
  private final Map<List<Long>, Resolved> withoutParams =
      new java.util.concurrent.ConcurrentHashMap<>();

  ModelParams(JsonNode schemaNode, JsonNode pinned, JsonNode pricing, JsonMapper json) {
    this.schemaNode = schemaNode;
    this.schemaView = json.treeToValue(schemaNode, MAP);
    this.pricingView = json.treeToValue(pricing, MAP);
    this.schema = SCHEMAS.getSchema(schemaNode);
    this.pinned = pinned;
    this.pricing = pricing;
  }

  /**
   * What a start of the model asks of the provider.
   *
   * @param providerParams the user's params, every default of the schema, and the pinned params
   * @param price credits held for it
   * @param outputs results paid for; the worker keeps no more
   */
  public record Resolved(Map<String, Object> providerParams, long price, int outputs) {}

  /** The JSON Schema published as {@code params} in GET /api/models. */
  public Map<String, Object> schema() {
    return schemaView;
  }

  /**
   * The pricing rule, published with the catalog so a front end can show a price before a start.
   */
  public Map<String, Object> pricing() {
    return pricingView;
  }

  /**
   * Validates the user's params against the schema and prices them with {@code inputs} uploaded
   * images.
   *
   * @throws ValidationFailed naming {@code params.<name>} for each unknown or out-of-range param
   */
  public Resolved resolve(Map<String, Object> params, long basePrice, int inputs, JsonMapper json) {
    if (params == null || params.isEmpty()) {
      // Most starts pass no params: their resolution depends on the price and the photos alone.
      return withoutParams.computeIfAbsent(
          List.of(basePrice, (long) inputs), k -> resolveGiven(Map.of(), basePrice, inputs, json));
    }
    return resolveGiven(params, basePrice, inputs, json);
  }

  private Resolved resolveGiven(
      Map<String, Object> params, long basePrice, int inputs, JsonMapper json) {
    ObjectNode given = json.valueToTree(params);
    List<FieldProblem> problems =
        new java.util.ArrayList<>(
            schema.validate(given).stream().map(ModelParams::problem).distinct().toList());
    given
        .properties()
        .forEach(
            p -> {
              if (p.getValue().isString() && p.getValue().asString().indexOf('\u0000') >= 0) {
                problems.add(
                    new FieldProblem("params." + p.getKey(), "must not contain a NUL character"));
              }
            });
    if (!problems.isEmpty()) {
      throw new ValidationFailed(problems);
    }
    ObjectNode effective = given.deepCopy();
    schemaNode
        .path("properties")
        .properties()
        .forEach(
            property -> {
              JsonNode fallback = property.getValue().get("default");
              if (fallback != null && !effective.has(property.getKey())) {
                effective.set(property.getKey(), fallback);
              }
            });
    effective.setAll((ObjectNode) pinned);
    Map<String, Object> providerParams = new LinkedHashMap<>();
    effective
        .properties()
        .forEach(p -> providerParams.put(p.getKey(), json.treeToValue(p.getValue(), Object.class)));
    return new Resolved(
        java.util.Collections.unmodifiableMap(providerParams),
        price(effective, basePrice, inputs),
        outputs(effective));
  }

  private long price(JsonNode effective, long basePrice, int inputs) {
    BigDecimal price = BigDecimal.valueOf(basePrice);
    for (Map.Entry<String, JsonNode> per : pricing.path("per").properties()) {
      BigDecimal value = effective.path(per.getKey()).decimalValue(BigDecimal.ONE);
      price =
          price
              .multiply(value)
              .divide(per.getValue().decimalValue(BigDecimal.ONE), 6, RoundingMode.UP);
    }
    for (Map.Entry<String, JsonNode> factor : pricing.path("factors").properties()) {
      JsonNode value = effective.get(factor.getKey());
      if (value != null) {
        JsonNode multiplier = factor.getValue().get(value.asString());
        if (multiplier != null) {
          price = price.multiply(multiplier.decimalValue(BigDecimal.ONE));
        }
      }
    }
    JsonNode perInput = pricing.path("inputs");
    int extra = Math.max(0, inputs - perInput.path("included").asInt(0));
    price =
        price.add(
            perInput
                .path("each")
                .decimalValue(BigDecimal.ZERO)
                .multiply(BigDecimal.valueOf(extra)));
    return Math.max(1, price.setScale(0, RoundingMode.CEILING).longValueExact());
  }

  private int outputs(JsonNode effective) {
    String name = pricing.path("outputs").asString(null);
    return name == null ? 1 : Math.max(1, effective.path(name).asInt(1));
  }

  private static FieldProblem problem(Error error) {
    String property = error.getProperty();
    String path = error.getInstanceLocation() == null ? "" : error.getInstanceLocation().toString();
    String name = property != null ? property : path.replaceFirst("^[$/.]+", "").replace('/', '.');
    return new FieldProblem(name.isEmpty() ? "params" : "params." + name, error.getMessage());
  }
}

package dev.nanogen.gateway.catalog;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * GET /api/models: the public catalog. Unauthenticated, so it answers from memory for {@link
 * #CACHED_FOR}: a flood of catalog reads costs no database connection.
 */
@Tag(name = "Models")
@RestController
class ModelsController {
  static final Duration CACHED_FOR = Duration.ofSeconds(5);

  private final Clock clock;
  private final LoadingCache<Boolean, List<CatalogModel>> cache;

  ModelsController(ModelCatalog catalog, Clock clock) {
    this.clock = clock;
    this.cache =
        Caffeine.newBuilder()
            .expireAfterWrite(CACHED_FOR)
            .maximumSize(1)
            .build(key -> catalog.all());
  }

  /**
   * @param price credits a start with the default params costs
   * @param available false while the provider is failing for the model (starts answer 503)
   * @param params JSON Schema of the params a start may pass
   * @param pricing how params change the price (see docs/api.md)
   */
  record ModelView(
      String id,
      String name,
      @Schema(allowableValues = {"image", "video"}) String kind,
      long price,
      boolean enabled,
      boolean available,
      @Schema(
              description =
                  "JSON Schema (2020-12) of the params a start may pass; additionalProperties is false")
          Map<String, Object> params,
      @Schema(
              description =
                  "how params change the price: per (param -> units in the base price), factors (param -> value -> multiplier), outputs (the param counting results), inputs (included: uploaded images the base price includes, each: credits per further one)")
          Map<String, Object> pricing,
      @Schema(
              description =
                  "how many uploaded images a start takes (input_ids); 0/0 for text-only models")
          InputCount inputs) {}

  @Schema(name = "ModelInputs")
  record InputCount(int min, int max) {}

  @Schema(name = "ModelList")
  record Catalog(List<ModelView> items) {}

  /** The rows come from memory; availability is judged at the time of each request. */
  @Operation(operationId = "listModels")
  @GetMapping("/api/models")
  Catalog models() {
    Instant now = clock.instant();
    return new Catalog(
        cache.get(Boolean.TRUE).stream()
            .map(
                m ->
                    new ModelView(
                        m.id(),
                        m.name(),
                        m.kind().wire(),
                        m.price(),
                        m.enabled(),
                        m.enabled() && m.availableAt(now),
                        m.params().schema(),
                        m.params().pricing(),
                        new InputCount(m.inputs().min(), m.inputs().max())))
            .toList());
  }
}

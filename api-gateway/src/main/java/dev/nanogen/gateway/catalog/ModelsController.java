package dev.nanogen.gateway.catalog;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** GET /api/models: the public catalog. */
@RestController
class ModelsController {
  private final ModelCatalog catalog;
  private final Clock clock;

  ModelsController(ModelCatalog catalog, Clock clock) {
    this.catalog = catalog;
    this.clock = clock;
  }

  /** {@code available}: false while the provider is failing for the model (starts answer 503). */
  record ModelView(String id, String name, String kind, long price, boolean enabled, boolean available) {}

  record Catalog(List<ModelView> items) {}

  @GetMapping("/api/models")
  Catalog models() {
    Instant now = clock.instant();
    return new Catalog(
        catalog.all().stream()
            .map(m -> new ModelView(m.id(), m.name(), m.kind().wire(), m.price(), m.enabled(), m.enabled() && m.availableAt(now)))
            .toList());
  }
}

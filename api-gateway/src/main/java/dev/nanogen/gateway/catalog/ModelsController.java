package dev.nanogen.gateway.catalog;

import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** GET /api/models: the public catalog. */
@RestController
class ModelsController {
  private final ModelCatalog catalog;

  ModelsController(ModelCatalog catalog) {
    this.catalog = catalog;
  }

  record ModelView(String id, String name, String kind, long price, boolean enabled) {}

  record Catalog(List<ModelView> items) {}

  @GetMapping("/api/models")
  Catalog models() {
    return new Catalog(
        catalog.all().stream()
            .map(m -> new ModelView(m.id(), m.name(), m.kind().wire(), m.price(), m.enabled()))
            .toList());
  }
}

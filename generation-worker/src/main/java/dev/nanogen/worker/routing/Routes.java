package dev.nanogen.worker.routing;

import dev.nanogen.worker.aiml.AimlClient;
import dev.nanogen.worker.config.WorkerProperties;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The provider routes ({@code nanogen.providers[n]}, or the single {@code nanogen.aiml} route named
 * {@value #SINGLE}) and the order a generation tries them in: by priority, then by weight among
 * routes of one priority (a weighted shuffle per generation), a route whose quota answered 429 for
 * the model moved behind the others for {@link #QUOTA_REST}. Circuits are {@link ModelBreakers}'.
 */
@Component
class Routes {
  static final String SINGLE = "aiml";

  /** How long a route that answered 429 for a model is asked only when no other route is left. */
  static final Duration QUOTA_REST = Duration.ofSeconds(10);

  /**
   * A provider route.
   *
   * @param models the catalog models it serves; empty: every model
   */
  record Route(
      String name,
      AimlClient client,
      int priority,
      int weight,
      BigDecimal costPerResult,
      Set<String> models,
      Map<String, String> modelIds) {

    boolean serves(String modelId) {
      return models.isEmpty() || models.contains(modelId);
    }

    /** The provider's model id for a catalog model on this route. */
    String providerModel(String modelId, String catalogProviderModel) {
      return modelIds.getOrDefault(modelId, catalogProviderModel);
    }
  }

  private final List<Route> routes;
  private final Map<String, Route> byName = new LinkedHashMap<>();
  private final Map<String, Instant> resting = new ConcurrentHashMap<>();
  private final Clock clock;

  Routes(WorkerProperties properties, JsonMapper json, RestClient.Builder rest, Clock clock) {
    this.clock = clock;
    List<Route> list = new ArrayList<>();
    List<WorkerProperties.Provider> providers = properties.providers();
    if (providers == null || providers.isEmpty()) {
      WorkerProperties.Aiml aiml = properties.aiml();
      list.add(
          new Route(
              SINGLE,
              new AimlClient(SINGLE, aiml.baseUrl(), aiml.apiKey(), aiml, json, rest),
              0,
              1,
              BigDecimal.ZERO,
              Set.of(),
              Map.of()));
    } else {
      for (int i = 0; i < providers.size(); i++) {
        WorkerProperties.Provider p = providers.get(i);
        list.add(
            new Route(
                p.name(),
                new AimlClient(p.name(), p.baseUrl(), p.apiKey(), properties.aiml(), json, rest),
                p.priority() == null ? i : p.priority(),
                p.weight(),
                p.costPerResult(),
                p.models() == null ? Set.of() : Set.copyOf(p.models()),
                p.modelIds() == null ? Map.of() : Map.copyOf(p.modelIds())));
      }
    }
    for (Route route : list) {
      if (byName.put(route.name(), route) != null) {
        throw new IllegalArgumentException("two provider routes are named " + route.name());
      }
    }
    this.routes = List.copyOf(list);
  }

  /** The routes serving {@code modelId}. */
  List<Route> serving(String modelId) {
    return routes.stream().filter(r -> r.serves(modelId)).toList();
  }

  /**
   * The order in which one submission of {@code modelId} tries the routes: by priority, weighted
   * among equals, a resting route (429) after all others.
   */
  List<Route> order(String modelId) {
    Instant now = clock.instant();
    Map<Route, Double> keys = new LinkedHashMap<>();
    for (Route route : serving(modelId)) {
      // Efraimidis–Spirakis: sorting by u^(1/w) descending draws a weighted order.
      keys.put(route, Math.pow(ThreadLocalRandom.current().nextDouble(), 1.0 / route.weight()));
    }
    List<Route> order = new ArrayList<>(keys.keySet());
    order.sort(
        Comparator.comparing((Route r) -> resting(r, modelId, now))
            .thenComparingInt(Route::priority)
            .thenComparing(keys::get, Comparator.reverseOrder()));
    return order;
  }

  /** The route a task was accepted by; the first serving route when it is unknown or gone. */
  Route named(String name, String modelId) {
    Route route = name == null ? null : byName.get(name);
    if (route != null) {
      return route;
    }
    List<Route> serving = serving(modelId);
    return serving.isEmpty() ? routes.getFirst() : serving.getFirst();
  }

  /** The route answered 429 for the model: others first for a while. */
  void rest(Route route, String modelId) {
    resting.put(route.name() + "/" + modelId, clock.instant().plus(QUOTA_REST));
  }

  private boolean resting(Route route, String modelId, Instant now) {
    Instant until = resting.get(route.name() + "/" + modelId);
    return until != null && until.isAfter(now);
  }

  /** Names of the routes serving each model (for availability: a model is down when all are). */
  Set<String> names(String modelId) {
    Set<String> names = new HashSet<>();
    serving(modelId).forEach(r -> names.add(r.name()));
    return names;
  }
}

package dev.nanogen.worker.routing;

import dev.nanogen.model.FailureCode;
import dev.nanogen.model.ModelAvailabilityChanged;
import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaEvents;
import dev.nanogen.worker.aiml.ProviderError;
import dev.nanogen.worker.config.WorkerProperties;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * One Resilience4j circuit breaker per provider route and catalog model ({@code <route>/<model>})
 * around every call. A route that keeps failing for a model (5xx, network, time-outs) opens its
 * circuit: its calls stop for a while (they fail fast as retryable MODEL_UNAVAILABLE, which sends a
 * submission to the next route) — 429 (the quota, not an outage) and final 4xx answers never count.
 * Only when every route serving the model has its circuit open is the gateway told
 * (ModelAvailabilityChanged), which then refuses new starts of that model with 503
 * MODEL_UNAVAILABLE until one closes or {@code until} passes.
 */
@Component
class ModelBreakers {
  private static final Logger log = LoggerFactory.getLogger(ModelBreakers.class);

  private final CircuitBreakerRegistry registry;
  private final KafkaTemplate<String, String> kafka;
  private final KafkaEvents events;
  private final Clock clock;
  private final WorkerProperties.Breaker settings;
  private final Routes routes;

  /** Models this worker announced unavailable (every route's circuit open). */
  private final Set<String> down = ConcurrentHashMap.newKeySet();

  ModelBreakers(
      Routes routes,
      WorkerProperties properties,
      KafkaTemplate<String, String> kafka,
      KafkaEvents events,
      Clock clock,
      MeterRegistry meters) {
    this.settings = properties.breaker();
    this.routes = routes;
    this.kafka = kafka;
    this.events = events;
    this.clock = clock;
    CircuitBreakerConfig config =
        CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(settings.window())
            .minimumNumberOfCalls(settings.minimumCalls())
            .failureRateThreshold(settings.failureRate())
            .waitDurationInOpenState(settings.openFor())
            .permittedNumberOfCallsInHalfOpenState(settings.halfOpenCalls())
            .automaticTransitionFromOpenToHalfOpenEnabled(true)
            .recordException(ModelBreakers::isOutage)
            .build();
    this.registry = CircuitBreakerRegistry.of(config);
    this.registry
        .getEventPublisher()
        .onEntryAdded(
            added -> added.getAddedEntry().getEventPublisher().onStateTransition(this::announce));
    TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
  }

  /** Runs one call to {@code route} for {@code modelId} through that pair's circuit. */
  <T> T call(String route, String modelId, Supplier<T> call) {
    try {
      return registry.circuitBreaker(circuit(route, modelId)).executeSupplier(call);
    } catch (CallNotPermittedException e) {
      throw new ProviderError(
          FailureCode.MODEL_UNAVAILABLE,
          true,
          true,
          "circuit open for model " + modelId + " on route " + route);
    }
  }

  private boolean open(String route, String modelId) {
    return registry
        .find(circuit(route, modelId))
        .map(
            b ->
                b.getState() == CircuitBreaker.State.OPEN
                    || b.getState() == CircuitBreaker.State.FORCED_OPEN)
        .orElse(false);
  }

  /** The circuit of a route and a model: {@code <route>/<model>} (route names hold no '/'). */
  private static String circuit(String route, String modelId) {
    return route + "/" + modelId;
  }

  private static boolean isOutage(Throwable e) {
    return e instanceof ProviderError p
        && p.retryable()
        && p.code() != FailureCode.PROVIDER_RATE_LIMITED;
  }

  private void announce(CircuitBreakerOnStateTransitionEvent event) {
    String name = event.getCircuitBreakerName();
    String route = name.substring(0, name.indexOf('/'));
    String model = name.substring(name.indexOf('/') + 1);
    CircuitBreaker.State to = event.getStateTransition().getToState();
    log.warn("circuit of model {} on route {}: {}", model, route, event.getStateTransition());
    boolean allOpen = routes.names(model).stream().allMatch(r -> open(r, model));
    Instant now = clock.instant();
    ModelAvailabilityChanged change =
        switch (to) {
          case OPEN, FORCED_OPEN ->
              !allOpen || !down.add(model)
                  ? null
                  : new ModelAvailabilityChanged(
                      UUID.randomUUID(),
                      now,
                      ModelAvailabilityChanged.SCHEMA_VERSION,
                      model,
                      false,
                      now.plus(settings.openFor()),
                      "circuit open on every route: the providers keep failing for this model");
          case CLOSED ->
              !down.remove(model)
                  ? null
                  : new ModelAvailabilityChanged(
                      UUID.randomUUID(),
                      now,
                      ModelAvailabilityChanged.SCHEMA_VERSION,
                      model,
                      true,
                      null,
                      "circuit closed on route " + route);
          default -> null;
        };
    if (change == null) {
      return;
    }
    ProducerRecord<String, String> record = events.encode(Topics.MODELS, model, change);
    // Not awaited: the state change happens on a generation's thread. A lost "unavailable" costs
    // refused calls here only; a lost "available" ends at `until` by itself.
    kafka
        .send(record)
        .whenComplete(
            (result, e) -> {
              if (e != null) {
                log.warn("availability of model {} not published: {}", model, e.toString());
              }
            });
  }
}

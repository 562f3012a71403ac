package dev.nanogen.worker.job;

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
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * One Resilience4j circuit breaker per catalog model around every call to the provider for it. A
 * provider that keeps failing for a model (5xx, network, time-outs) opens its circuit: calls stop
 * for a while (they fail fast as retryable MODEL_UNAVAILABLE, so a generation waits within its
 * deadline instead of hammering), and the gateway hears ModelAvailabilityChanged and refuses new
 * starts of that model with 503 MODEL_UNAVAILABLE until the circuit closes or {@code until} passes.
 * 429 (the quota, not an outage) and final 4xx answers never count against a model.
 */
@Component
class ModelBreakers {
  private static final Logger log = LoggerFactory.getLogger(ModelBreakers.class);

  private final CircuitBreakerRegistry registry;
  private final KafkaTemplate<String, String> kafka;
  private final KafkaEvents events;
  private final Clock clock;
  private final WorkerProperties.Breaker settings;

  ModelBreakers(
      WorkerProperties properties,
      KafkaTemplate<String, String> kafka,
      KafkaEvents events,
      Clock clock,
      MeterRegistry meters) {
    this.settings = properties.breaker();
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

  /** Runs one provider call for {@code modelId} through that model's circuit. */
  <T> T call(String modelId, Supplier<T> call) {
    try {
      return registry.circuitBreaker(modelId).executeSupplier(call);
    } catch (CallNotPermittedException e) {
      throw new ProviderError("MODEL_UNAVAILABLE", true, "circuit open for model " + modelId);
    }
  }

  CircuitBreaker.State state(String modelId) {
    return registry.circuitBreaker(modelId).getState();
  }

  private static boolean isOutage(Throwable e) {
    return e instanceof ProviderError p
        && p.retryable()
        && !"PROVIDER_RATE_LIMITED".equals(p.code());
  }

  private void announce(CircuitBreakerOnStateTransitionEvent event) {
    String model = event.getCircuitBreakerName();
    CircuitBreaker.State to = event.getStateTransition().getToState();
    Instant now = clock.instant();
    ModelAvailabilityChanged change =
        switch (to) {
          case OPEN, FORCED_OPEN ->
              new ModelAvailabilityChanged(
                  UUID.randomUUID(),
                  now,
                  ModelAvailabilityChanged.SCHEMA_VERSION,
                  model,
                  false,
                  now.plus(settings.openFor()),
                  "circuit open: the provider keeps failing for this model");
          case CLOSED ->
              new ModelAvailabilityChanged(
                  UUID.randomUUID(),
                  now,
                  ModelAvailabilityChanged.SCHEMA_VERSION,
                  model,
                  true,
                  null,
                  "circuit closed");
          default -> null;
        };
    log.warn("circuit of model {}: {}", model, event.getStateTransition());
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

package dev.nanogen.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * Whether this service's Kafka listeners are consuming: down, naming them, when a listener
 * container's consumer stopped abnormally (a fatal error: an authentication failure, a protocol the
 * cluster does not support), so a service that takes no work never reports ready. Part of every
 * service's readiness group; the gauge {@code nanogen.kafka.listeners.failed} feeds an alert.
 */
public class KafkaListenersHealth extends AbstractHealthIndicator {
  private final KafkaListenerEndpointRegistry registry;

  public KafkaListenersHealth(KafkaListenerEndpointRegistry registry, MeterRegistry meters) {
    super("Kafka listeners health check failed");
    this.registry = registry;
    Gauge.builder("nanogen.kafka.listeners.failed", this, h -> h.failed().size())
        .description("Kafka listener containers whose consumers stopped abnormally")
        .register(meters);
  }

  /** Listener ids of the containers not in the state they should be in. */
  List<String> failed() {
    return registry.getListenerContainers().stream()
        .filter(container -> !container.isInExpectedState())
        .map(MessageListenerContainer::getListenerId)
        .sorted()
        .toList();
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    List<String> failed = failed();
    List<String> running =
        registry.getListenerContainers().stream()
            .filter(MessageListenerContainer::isRunning)
            .map(MessageListenerContainer::getListenerId)
            .sorted()
            .toList();
    (failed.isEmpty() ? builder.up() : builder.down())
        .withDetail("running", running)
        .withDetail("failed", failed);
  }
}

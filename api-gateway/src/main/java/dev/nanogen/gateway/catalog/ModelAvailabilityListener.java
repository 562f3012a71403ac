package dev.nanogen.gateway.catalog;

import dev.nanogen.model.ModelAvailabilityChanged;
import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaEvents;
import java.sql.Timestamp;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Records on the model what the workers' circuit breakers learned (ModelAvailabilityChanged): an
 * open circuit makes new starts of that model answer 503 MODEL_UNAVAILABLE until {@code until} or
 * until a worker reports the circuit closed. One conditional UPDATE: an event older than the one
 * applied changes nothing, so repeats and reorderings are harmless.
 */
@Component
class ModelAvailabilityListener {
  private static final Logger log = LoggerFactory.getLogger(ModelAvailabilityListener.class);

  private final JdbcClient jdbc;
  private final KafkaEvents events;

  ModelAvailabilityListener(JdbcClient jdbc, KafkaEvents events) {
    this.jdbc = jdbc;
    this.events = events;
  }

  @KafkaListener(
      id = "gateway-model-availability",
      topics = Topics.MODELS,
      groupId = "nanogen-gateway")
  void on(ConsumerRecord<String, String> record) {
    ModelAvailabilityChanged event = events.decode(record, ModelAvailabilityChanged.class);
    if (event.occurredAt() == null
        || event.modelId() == null
        || (!event.available() && event.until() == null)) {
      throw new IllegalArgumentException("an incomplete ModelAvailabilityChanged");
    }
    int updated =
        jdbc.sql(
                """
                UPDATE models SET unavailable_until = :until, availability_at = :at
                WHERE id = :model AND (availability_at IS NULL OR availability_at < :at)
                """)
            .param("until", event.available() ? null : Timestamp.from(event.until()))
            .param("at", Timestamp.from(event.occurredAt()))
            .param("model", event.modelId())
            .update();
    if (updated == 1) {
      if (event.available()) {
        log.info("model {} is available again", event.modelId());
      } else {
        log.warn(
            "model {} unavailable until {}: {}", event.modelId(), event.until(), event.reason());
      }
    }
  }
}

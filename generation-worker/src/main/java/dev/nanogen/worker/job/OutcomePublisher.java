package dev.nanogen.worker.job;

import dev.nanogen.model.Topics;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Publishes an outcome keyed by generation id and waits for the broker's acknowledgement, so a
 * request's offset is committed only after its outcome is safely in Kafka.
 */
@Component
class OutcomePublisher {
  private final KafkaTemplate<String, String> kafka;
  private final JsonMapper json;

  OutcomePublisher(KafkaTemplate<String, String> kafka, JsonMapper json) {
    this.kafka = kafka;
    this.json = json;
  }

  void publish(UUID generationId, Record outcome, String correlationId) {
    ProducerRecord<String, String> record =
        new ProducerRecord<>(Topics.OUTCOMES, generationId.toString(), json.writeValueAsString(outcome));
    record.headers().add(Topics.EVENT_TYPE_HEADER, bytes(outcome.getClass().getSimpleName()));
    if (correlationId != null) {
      record.headers().add(Topics.CORRELATION_HEADER, bytes(correlationId));
    }
    try {
      kafka.send(record).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing an outcome", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("outcome not acknowledged by the broker", e);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

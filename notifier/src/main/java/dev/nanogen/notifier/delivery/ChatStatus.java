package dev.nanogen.notifier.delivery;

import dev.nanogen.model.ChatStatusChanged;
import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaEvents;
import dev.nanogen.ops.trace.Traces;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Tells the gateway that a user's chat refused the bot (403) or accepts it again. Published before
 * the delivery row records the ending: if the notifier dies in between, the delivery is tried again
 * and the event published again, which the gateway applies idempotently.
 */
@Component
class ChatStatus {
  private final KafkaTemplate<String, String> kafka;
  private final KafkaEvents events;
  private final Traces traces;

  ChatStatus(KafkaTemplate<String, String> kafka, KafkaEvents events, Traces traces) {
    this.kafka = kafka;
    this.events = events;
    this.traces = traces;
  }

  void blocked(Deliveries.Claimed delivery, String description) {
    publish(delivery, true, description);
  }

  void reachable(Deliveries.Claimed delivery) {
    publish(delivery, false, null);
  }

  private void publish(Deliveries.Claimed delivery, boolean blocked, String description) {
    ChatStatusChanged event =
        new ChatStatusChanged(
            UUID.randomUUID(),
            Instant.now(),
            ChatStatusChanged.SCHEMA_VERSION,
            delivery.userId(),
            delivery.chatId(),
            blocked,
            description);
    ProducerRecord<String, String> record =
        events.encode(Topics.CHATS, Long.toString(delivery.userId()), event);
    traces.addTo(record.headers());
    try {
      kafka.send(record).get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "could not publish the chat status of user " + delivery.userId(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted publishing a chat status", e);
    }
  }
}

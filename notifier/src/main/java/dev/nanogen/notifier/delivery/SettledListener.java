package dev.nanogen.notifier.delivery;

import dev.nanogen.model.GenerationProcessingStarted;
import dev.nanogen.model.GenerationSettled;
import dev.nanogen.model.PaymentReceived;
import dev.nanogen.model.Topics;
import dev.nanogen.notifier.config.NotifierProperties;
import dev.nanogen.ops.KafkaEvents;
import dev.nanogen.ops.trace.Traces;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Consumes GenerationSettled (the money is settled, so whatever the notice says is true),
 * PaymentReceived (the credits are added) and, when the gateway announces them,
 * GenerationProcessingStarted; records the message owed in the delivery table; the offset is
 * committed once it is recorded. Sending is the {@link Dispatcher}'s: Telegram being slow or
 * refusing never holds up this consumer.
 */
@Component
class SettledListener {
  private final Deliveries deliveries;
  private final Dispatcher dispatcher;
  private final KafkaEvents events;
  private final JsonMapper json;
  private final Traces traces;

  SettledListener(
      Deliveries deliveries,
      Dispatcher dispatcher,
      KafkaEvents events,
      JsonMapper json,
      Traces traces) {
    this.events = events;
    this.traces = traces;
    this.deliveries = deliveries;
    this.dispatcher = dispatcher;
    this.json = json;
  }

  @KafkaListener(
      id = "notifier-settled",
      topics = Topics.SETTLED,
      groupId = "nanogen-notifier",
      concurrency = "#{" + NotifierProperties.SETTINGS + ".notifier().concurrency()}")
  void on(ConsumerRecord<String, String> record) {
    // The listener's observation continued the gateway's trace; the delivery is sent on it later.
    String traceparent = traces.current();
    try (var mdc = MDC.putCloseable("generation_id", record.key())) {
      boolean recorded =
          switch (events.decode(
              record,
              GenerationSettled.class,
              GenerationProcessingStarted.class,
              PaymentReceived.class)) {
            case GenerationSettled notice -> {
              if (notice.generationId() == null || notice.status() == null) {
                throw new IllegalArgumentException(
                    "a GenerationSettled without generation_id or status");
              }
              yield deliveries.record(
                  Deliveries.Kind.RESULT,
                  notice.generationId(),
                  notice.userId(),
                  notice.chatId(),
                  json.writeValueAsString(notice),
                  traceparent);
            }
            case GenerationProcessingStarted notice -> {
              if (notice.generationId() == null) {
                throw new IllegalArgumentException(
                    "a GenerationProcessingStarted without generation_id");
              }
              yield deliveries.record(
                  Deliveries.Kind.STARTED,
                  notice.generationId(),
                  notice.userId(),
                  notice.chatId(),
                  json.writeValueAsString(notice),
                  traceparent);
            }
            case PaymentReceived notice -> {
              if (notice.paymentId() == null) {
                throw new IllegalArgumentException("a PaymentReceived without payment_id");
              }
              yield deliveries.record(
                  Deliveries.Kind.PURCHASE,
                  notice.paymentId(),
                  notice.userId(),
                  notice.chatId(),
                  json.writeValueAsString(notice),
                  traceparent);
            }
            default -> throw new IllegalStateException("decoded a type not asked for");
          };
      if (recorded) {
        dispatcher.wake();
      }
    }
  }
}

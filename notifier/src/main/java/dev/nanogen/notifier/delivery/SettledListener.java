package dev.nanogen.notifier.delivery;

import dev.nanogen.model.GenerationProcessing;
import dev.nanogen.model.GenerationSettled;
import dev.nanogen.model.PaymentReceived;
import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaRecords;
import dev.nanogen.ops.trace.Traces;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Consumes GenerationSettled (the money is settled, so whatever the notice says is true),
 * PaymentReceived (the credits are added) and, when the gateway announces them,
 * GenerationProcessing; records the message owed in the delivery table; the offset is committed once it is recorded. Sending is
 * the {@link Dispatcher}'s: Telegram being slow or refusing never holds up this consumer.
 */
@Component
class SettledListener {
  private final Deliveries deliveries;
  private final Dispatcher dispatcher;
  private final JsonMapper json;
  private final Traces traces;

  SettledListener(Deliveries deliveries, Dispatcher dispatcher, JsonMapper json, Traces traces) {
    this.traces = traces;
    this.deliveries = deliveries;
    this.dispatcher = dispatcher;
    this.json = json;
  }

  @KafkaListener(
      id = "notifier-settled",
      topics = Topics.SETTLED,
      groupId = "nanogen-notifier",
      concurrency = "${nanogen.notifier.concurrency:2}")
  void on(ConsumerRecord<String, String> record) {
    String type = KafkaRecords.header(record, Topics.EVENT_TYPE_HEADER);
    // The listener's observation continued the gateway's trace; the delivery is sent on it later.
    String traceparent = traces.current();
    MDC.put("generation_id", record.key());
    try {
      boolean recorded =
          switch (type == null ? "" : type) {
            case "GenerationSettled" -> {
              GenerationSettled notice = json.readValue(record.value(), GenerationSettled.class);
              if (notice.generationId() == null || notice.status() == null) {
                throw new IllegalArgumentException("a GenerationSettled without generation_id or status");
              }
              yield deliveries.record(Deliveries.Kind.RESULT, notice.generationId(), notice.userId(), notice.chatId(), json.writeValueAsString(notice), traceparent);
            }
            case "GenerationProcessing" -> {
              GenerationProcessing notice = json.readValue(record.value(), GenerationProcessing.class);
              if (notice.generationId() == null) {
                throw new IllegalArgumentException("a GenerationProcessing without generation_id");
              }
              yield deliveries.record(Deliveries.Kind.STARTED, notice.generationId(), notice.userId(), notice.chatId(), json.writeValueAsString(notice), traceparent);
            }
            case "PaymentReceived" -> {
              PaymentReceived notice = json.readValue(record.value(), PaymentReceived.class);
              if (notice.paymentId() == null) {
                throw new IllegalArgumentException("a PaymentReceived without payment_id");
              }
              yield deliveries.record(Deliveries.Kind.PURCHASE, notice.paymentId(), notice.userId(), notice.chatId(), json.writeValueAsString(notice), traceparent);
            }
            default -> throw new IllegalArgumentException("unexpected event type " + type);
          };
      if (recorded) {
        dispatcher.wake();
      }
    } finally {
      MDC.remove("generation_id");
    }
  }
}

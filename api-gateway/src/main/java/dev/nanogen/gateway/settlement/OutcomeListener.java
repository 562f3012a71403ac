package dev.nanogen.gateway.settlement;

import dev.nanogen.model.GenerationFailed;
import dev.nanogen.model.GenerationHandedBack;
import dev.nanogen.model.GenerationStarted;
import dev.nanogen.model.GenerationSucceeded;
import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaRecords;
import dev.nanogen.ops.trace.Traces;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Consumes the workers' outcomes and hands each to {@link SettleOutcome}. Six consumers by default
 * ({@code nanogen.outcomes.concurrency}, at most the partition count): each record is a transaction of
 * a few statements, so this path is bound by round trips, and a worker's claim waits on it.
 */
@Component
class OutcomeListener {
  private final SettleOutcome settle;
  private final JsonMapper json;
  private final Traces traces;

  OutcomeListener(SettleOutcome settle, JsonMapper json, Traces traces) {
    this.settle = settle;
    this.json = json;
    this.traces = traces;
  }

  @KafkaListener(
      id = "gateway-outcomes",
      topics = Topics.OUTCOMES,
      groupId = "nanogen-gateway",
      concurrency = "${nanogen.outcomes.concurrency:6}")
  void on(ConsumerRecord<String, String> record) {
    String type = KafkaRecords.header(record, Topics.EVENT_TYPE_HEADER);
    // The listener's observation continued the worker's trace: what this outcome queues stays on it.
    String traceparent = traces.current();
    MDC.put("generation_id", record.key());
    try {
      switch (type == null ? "" : type) {
        case "GenerationStarted" ->
            settle.on(json.readValue(record.value(), GenerationStarted.class), traceparent);
        case "GenerationSucceeded" ->
            settle.on(json.readValue(record.value(), GenerationSucceeded.class), traceparent);
        case "GenerationFailed" ->
            settle.on(json.readValue(record.value(), GenerationFailed.class), traceparent);
        case "GenerationHandedBack" ->
            settle.on(json.readValue(record.value(), GenerationHandedBack.class), traceparent);
        default -> throw new UnknownEventType(type);
      }
    } finally {
      MDC.remove("generation_id");
    }
  }

  /** A record this consumer cannot understand: dead-lettered without retries. */
  static final class UnknownEventType extends RuntimeException {
    UnknownEventType(String type) {
      super("unknown event type " + type);
    }
  }
}

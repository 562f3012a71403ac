package dev.nanogen.gateway.settlement;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.model.GenerationFailed;
import dev.nanogen.model.GenerationHandedBack;
import dev.nanogen.model.GenerationStarted;
import dev.nanogen.model.GenerationSubmitting;
import dev.nanogen.model.GenerationSucceeded;
import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaEvents;
import dev.nanogen.ops.trace.Traces;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Consumes the workers' outcomes and hands each to {@link SettleOutcome}. Six consumers by default
 * ({@code nanogen.outcomes.concurrency}, at most the partition count): each record is a transaction
 * of a few statements, so this path is bound by round trips, and a worker's claim waits on it.
 */
@Component
class OutcomeListener {
  private final SettleOutcome settle;
  private final KafkaEvents events;
  private final Traces traces;

  OutcomeListener(SettleOutcome settle, KafkaEvents events, Traces traces) {
    this.settle = settle;
    this.events = events;
    this.traces = traces;
  }

  @KafkaListener(
      id = "gateway-outcomes",
      topics = Topics.OUTCOMES,
      groupId = "nanogen-gateway",
      concurrency = "#{" + NanogenProperties.SETTINGS + ".outcomes().concurrency()}")
  void on(ConsumerRecord<String, String> record) {
    // The listener's observation continued the worker's trace: what this outcome queues stays on
    // it.
    String traceparent = traces.current();
    try (var mdc = MDC.putCloseable("generation_id", record.key())) {
      switch (events.decode(
          record,
          GenerationStarted.class,
          GenerationSucceeded.class,
          GenerationFailed.class,
          GenerationHandedBack.class,
          GenerationSubmitting.class)) {
        case GenerationStarted started ->
            settle.on(started, Instant.ofEpochMilli(record.timestamp()), traceparent);
        case GenerationSubmitting submitting -> settle.on(submitting);
        case GenerationSucceeded succeeded -> settle.on(succeeded, traceparent);
        case GenerationFailed failed -> settle.on(failed, traceparent);
        case GenerationHandedBack handedBack -> settle.on(handedBack, traceparent);
        default -> throw new IllegalStateException("decoded a type not asked for");
      }
    }
  }
}

package dev.nanogen.gateway.outbox;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.model.Topics;
import dev.nanogen.ops.Backoff;
import dev.nanogen.ops.trace.Traces;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Sends taken rows to Kafka (key = generation id; the event type and the traceparent as headers),
 * waits for the broker's acknowledgement, and records the result of each row: an acknowledged row
 * needs nothing more (its pending row was taken with the row; the round's commit publishes it). A
 * broker outage (every send failing with a retriable error) fails the round, which rolls back, so
 * the rows stay due and are never parked for an outage. A row that fails on its own gets its
 * pending row back with a back-off, and after {@code maxAttempts} it is parked (blocked) with its
 * error, so it never holds up the rows behind it.
 */
@Component
class PublishBatch {
  private static final Logger log = LoggerFactory.getLogger(PublishBatch.class);

  /** When a row the broker refused is due again: 1 s after its first attempt, doubling, ≤ 1 min. */
  private static final Backoff ROW_RETRY =
      Backoff.doubling(Duration.ofSeconds(1), Duration.ofMinutes(1));

  /**
   * The row's pending row, taken with the row, put back: due again after its back-off, or parked
   * (blocked) at :maxAttempts.
   */
  private static final String MARK_FAILED =
      """
      INSERT INTO outbox_pending (id, available_at, attempts, blocked, last_error)
      VALUES (:id, :retryAt, :attempts, :attempts >= :maxAttempts, :error)
      """;

  private final KafkaTemplate<String, String> kafka;
  private final JdbcClient jdbc;
  private final Clock clock;
  private final NanogenProperties.Outbox settings;
  private final Counter published;
  private final Counter failed;
  private final Counter parked;
  private final Timer latency;

  PublishBatch(
      KafkaTemplate<String, String> kafka,
      JdbcClient jdbc,
      Clock clock,
      NanogenProperties properties,
      MeterRegistry registry) {
    this.kafka = kafka;
    this.jdbc = jdbc;
    this.clock = clock;
    this.settings = properties.outbox();
    this.published = registry.counter("nanogen.outbox.sent", "result", "published");
    this.failed = registry.counter("nanogen.outbox.sent", "result", "failed");
    this.parked = registry.counter("nanogen.outbox.sent", "result", "parked");
    this.latency =
        Timer.builder("nanogen.outbox.latency")
            .description("from the outbox row's write to the broker's acknowledgement")
            // Buckets, not client-side percentiles: recorded once per row (tens of thousands a
            // second
            // while draining) and summable across gateway replicas in Prometheus.
            .publishPercentileHistogram()
            .maximumExpectedValue(Duration.ofMinutes(1))
            .register(registry);
  }

  void send(List<OutboxRow> rows) {
    List<CompletableFuture<?>> sends = new ArrayList<>(rows.size());
    for (OutboxRow row : rows) {
      sends.add(sendOne(row));
    }
    int acknowledged = 0;
    List<Failure> failures = new ArrayList<>();
    long deadline = System.nanoTime() + settings.sendTimeout().toNanos();
    for (int i = 0; i < rows.size(); i++) {
      try {
        sends.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        acknowledged++;
        latency.record(Duration.between(rows.get(i).createdAt(), clock.instant()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while publishing", e);
      } catch (ExecutionException | TimeoutException e) {
        failures.add(new Failure(rows.get(i), e instanceof ExecutionException ? e.getCause() : e));
      }
    }
    if (acknowledged == 0 && failures.stream().allMatch(Failure::outage)) {
      throw new IllegalStateException(
          "broker unavailable: " + failures.getFirst().cause().getClass().getSimpleName());
    }
    // The acknowledged rows' pending rows were taken with the row: committing the round publishes
    // them.
    published.increment(acknowledged);
    failures.forEach(this::recordFailure);
  }

  private CompletableFuture<?> sendOne(OutboxRow row) {
    try {
      ProducerRecord<String, String> record =
          new ProducerRecord<>(row.topic(), row.messageKey(), row.payload());
      record.headers().add(Topics.EVENT_TYPE_HEADER, bytes(row.eventType()));
      if (row.traceparent() != null) {
        record.headers().add(Traces.TRACEPARENT, bytes(row.traceparent()));
      }
      return kafka.send(record);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void recordFailure(Failure failure) {
    OutboxRow row = failure.row();
    int attempts = row.attempts() + 1;
    Duration backoff = ROW_RETRY.delay(attempts);
    String error = NestedExceptionUtils.getMostSpecificCause(failure.cause()).toString();
    failed.increment();
    if (attempts >= settings.maxAttempts()) {
      parked.increment();
      log.error("outbox row {} parked after {} attempts: {}", row.id(), attempts, error);
    }
    jdbc.sql(MARK_FAILED)
        .param("id", row.id())
        .param("attempts", attempts)
        .param("maxAttempts", settings.maxAttempts())
        .param("error", error)
        .param("retryAt", Timestamp.from(clock.instant().plus(backoff)))
        .update();
  }

  private record Failure(OutboxRow row, Throwable cause) {
    /** Retriable broker-side errors and time-outs mean the broker, not the row, is at fault. */
    boolean outage() {
      return cause instanceof TimeoutException
          || cause instanceof RetriableException
          || cause instanceof org.apache.kafka.common.errors.TimeoutException
          || cause instanceof org.springframework.kafka.KafkaException k
              && k.getCause() instanceof RetriableException;
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

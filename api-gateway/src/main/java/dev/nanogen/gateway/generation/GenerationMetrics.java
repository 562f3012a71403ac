package dev.nanogen.gateway.generation;

import dev.nanogen.gateway.tx.AfterCommit;
import dev.nanogen.model.FailureCode;
import dev.nanogen.model.GenerationStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The money path's metrics, counted once the transaction that did the work commits (a rolled-back
 * start or settlement counts nothing):
 *
 * <ul>
 *   <li>{@code nanogen.generations.started{model}} and {@code
 *       nanogen.generations.ended{model,status}} — status completed, failed, timed_out or
 *       cancelled;
 *   <li>{@code nanogen.generation.duration{model,status,phase}} — phase {@code queue} (created →
 *       picked up by a worker), {@code provider} (picked up → ended), {@code total};
 *   <li>{@code nanogen.credits{movement,model}} — credits held, captured, released;
 *   <li>{@code nanogen.generations.oldest.open.age} — a gauge, read from the database when scraped.
 * </ul>
 *
 * (Idempotent replays are counted by IdempotencyKeys, limit and other rejections by
 * ProblemHandler.)
 */
@Component
public class GenerationMetrics {
  private final MeterRegistry meters;

  GenerationMetrics(MeterRegistry meters, JdbcClient jdbc) {
    this.meters = meters;
    // Database-wide: the age of the oldest generation still pending or processing (0 when none).
    Gauge.builder(
            "nanogen.generations.oldest.open.age",
            () -> jdbc.sql(OLDEST_OPEN).query(Double.class).single())
        .description("seconds since the oldest generation still pending or processing was created")
        .baseUnit("seconds")
        .register(meters);
  }

  private static final String OLDEST_OPEN =
      """
      SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)
      FROM generations WHERE status IN ('pending', 'processing')
      """;

  /**
   * A worker's claim left unanswered ({@code nanogen.claims.unanswered{reason}}): stale (read long
   * after the broker took it) or from a worker whose lease ran out.
   */
  public void claimUnanswered(String reason) {
    AfterCommit.run(
        () ->
            Counter.builder("nanogen.claims.unanswered")
                .description("worker claims not answered: stale, or the worker's lease ran out")
                .tag("reason", reason)
                .register(meters)
                .increment());
  }

  void started(String modelId, long price) {
    AfterCommit.run(
        () -> {
          Counter.builder("nanogen.generations.started")
              .tag("model", modelId)
              .register(meters)
              .increment();
          credits("held", modelId, price);
        });
  }

  void ended(
      String modelId,
      GenerationStatus status,
      String errorCode,
      long price,
      Instant created,
      Instant started,
      Instant ended) {
    String outcome =
        status == GenerationStatus.FAILED && FailureCode.TIMEOUT.name().equals(errorCode)
            ? "timed_out"
            : status.wire();
    AfterCommit.run(
        () -> {
          Counter.builder("nanogen.generations.ended")
              .tag("model", modelId)
              .tag("status", outcome)
              .register(meters)
              .increment();
          credits(status == GenerationStatus.COMPLETED ? "captured" : "released", modelId, price);
          if (started != null) {
            duration(modelId, outcome, "queue", Duration.between(created, started));
            duration(modelId, outcome, "provider", Duration.between(started, ended));
          }
          duration(modelId, outcome, "total", Duration.between(created, ended));
        });
  }

  private void credits(String movement, String modelId, long amount) {
    Counter.builder("nanogen.credits")
        .baseUnit("credits")
        .tag("movement", movement)
        .tag("model", modelId)
        .register(meters)
        .increment(amount);
  }

  private void duration(String modelId, String status, String phase, Duration duration) {
    Timer.builder("nanogen.generation.duration")
        .tag("model", modelId)
        .tag("status", status)
        .tag("phase", phase)
        .publishPercentileHistogram()
        .register(meters)
        .record(duration);
  }
}

package dev.nanogen.gateway.outbox;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.annotation.Nullable;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What operators see of the outbox: parked (BLOCKED) rows with their errors, re-queueing them, and
 * the gauges {@code nanogen.outbox.parked}, {@code nanogen.outbox.backlog} and {@code
 * nanogen.outbox.oldest.age} (seconds since the oldest unpublished row was written).
 */
@Component
public class ParkedRows {
  private static final String LIST =
      """
      SELECT o.id, o.topic, o.message_key, o.event_type, p.attempts, p.last_error, o.created_at
      FROM outbox_pending p JOIN outbox o ON o.id = p.id
      WHERE p.blocked ORDER BY p.id LIMIT :limit
      """;

  /** :id null re-queues every parked row. */
  private static final String REQUEUE =
      """
      UPDATE outbox_pending SET blocked = FALSE, attempts = 0, available_at = :now
      WHERE blocked AND (CAST(:id AS bigint) IS NULL OR id = :id)
      """;

  private static final String COUNT_PARKED = "SELECT count(*) FROM outbox_pending WHERE blocked";
  private static final String COUNT_BACKLOG =
      "SELECT count(*) FROM outbox_pending WHERE NOT blocked";

  /** Ids are drawn as rows are written: the lowest pending id is (about) the oldest row. */
  private static final String OLDEST_PENDING =
      """
      SELECT o.created_at FROM outbox o
      WHERE o.id = (SELECT min(id) FROM outbox_pending WHERE NOT blocked)
      """;

  @Schema(name = "ParkedOutboxRow")
  public record Parked(
      long id,
      String topic,
      String messageKey,
      String eventType,
      int attempts,
      @Nullable String lastError,
      Instant createdAt) {}

  private final JdbcClient jdbc;
  private final Clock clock;
  private final RelaySignal signal;

  ParkedRows(JdbcClient jdbc, Clock clock, RelaySignal signal, MeterRegistry registry) {
    this.jdbc = jdbc;
    this.clock = clock;
    this.signal = signal;
    Gauge.builder("nanogen.outbox.parked", () -> count(COUNT_PARKED))
        .description("outbox rows parked after too many failed sends")
        .register(registry);
    Gauge.builder("nanogen.outbox.backlog", () -> count(COUNT_BACKLOG))
        .description("outbox rows waiting to be published")
        .register(registry);
    Gauge.builder("nanogen.outbox.oldest.age", this::oldestAgeSeconds)
        .description("seconds since the oldest unpublished outbox row was written")
        .baseUnit("seconds")
        .register(registry);
  }

  public List<Parked> list(int limit) {
    return jdbc.sql(LIST).param("limit", limit).query(Parked.class).list();
  }

  /** Puts parked rows back in line (one, or all when {@code id} is null); returns how many. */
  public int requeue(Long id) {
    int rows =
        jdbc.sql(REQUEUE).param("id", id).param("now", Timestamp.from(clock.instant())).update();
    signal.wake();
    return rows;
  }

  private double count(String sql) {
    try {
      return jdbc.sql(sql).query(Long.class).single();
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  private double oldestAgeSeconds() {
    try {
      Timestamp oldest = jdbc.sql(OLDEST_PENDING).query(Timestamp.class).optional().orElse(null);
      return oldest == null ? 0 : (clock.millis() - oldest.getTime()) / 1000.0;
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }
}

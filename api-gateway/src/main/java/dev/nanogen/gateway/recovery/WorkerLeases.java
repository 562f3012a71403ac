package dev.nanogen.gateway.recovery;

import dev.nanogen.model.Topics;
import dev.nanogen.model.WorkerHeartbeat;
import dev.nanogen.ops.KafkaEvents;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * The workers' leases (table {@code worker_leases}): each heartbeat renews its worker's lease from
 * when the broker took it (the heartbeat topic's append time, capped at this gateway's now), so the
 * workers' clocks never decide and a heartbeat read late — this gateway frozen, down or lagging —
 * does not extend the lease past what the worker itself can count on; {@link RedispatchStalled}
 * resumes the videos, and dispatches again the unsent claims, of a worker whose lease ran out. Rows
 * of workers long gone are purged by the sweeper.
 */
@Component
public class WorkerLeases {
  /** A lease never moves backwards: a late, older heartbeat does not shorten it. */
  private static final String RENEW =
      """
      INSERT INTO worker_leases (worker_id, renewed_at, expires_at) VALUES (:worker, :now, :expires)
      ON CONFLICT (worker_id) DO UPDATE
      SET renewed_at = EXCLUDED.renewed_at,
          expires_at = GREATEST(worker_leases.expires_at, EXCLUDED.expires_at)
      """;

  /** The longest lease a heartbeat may ask for: a worker cannot hold work for hours by mistake. */
  static final Duration MAX_LEASE = Duration.ofMinutes(5);

  private final JdbcClient jdbc;
  private final KafkaEvents events;
  private final Clock clock;

  WorkerLeases(JdbcClient jdbc, KafkaEvents events, Clock clock) {
    this.jdbc = jdbc;
    this.events = events;
    this.clock = clock;
  }

  @KafkaListener(
      id = "gateway-heartbeats",
      topics = Topics.HEARTBEATS,
      groupId = "nanogen-gateway-heartbeats")
  void on(ConsumerRecord<String, String> record) {
    renew(events.decode(record, WorkerHeartbeat.class), Instant.ofEpochMilli(record.timestamp()));
  }

  /** Renews a lease from {@code takenAt}, the broker's time of the heartbeat (at most now). */
  void renew(WorkerHeartbeat beat, Instant takenAt) {
    if (beat.workerId() == null || beat.leaseSeconds() <= 0) {
      throw new IllegalArgumentException("a heartbeat names a worker and a positive lease");
    }
    Instant now = clock.instant();
    Instant from = takenAt.isBefore(now) ? takenAt : now;
    Duration lease = Duration.ofSeconds(Math.min(beat.leaseSeconds(), MAX_LEASE.toSeconds()));
    jdbc.sql(RENEW)
        .param("worker", beat.workerId())
        .param("now", Timestamp.from(now))
        .param("expires", Timestamp.from(from.plus(lease)))
        .update();
  }

  /**
   * Whether {@code worker}'s lease is known to have run out by {@code now}; false for a worker
   * whose heartbeat was never read (a new one) and for none at all.
   */
  public boolean lapsed(UUID worker, Instant now) {
    return worker != null
        && jdbc.sql("SELECT expires_at <= :now FROM worker_leases WHERE worker_id = :worker")
            .param("worker", worker)
            .param("now", Timestamp.from(now))
            .query(Boolean.class)
            .optional()
            .orElse(false);
  }

  /** The workers whose lease is known to have run out before {@code now}. */
  public java.util.Set<UUID> lapsed(Instant now) {
    return new java.util.HashSet<>(
        jdbc.sql("SELECT worker_id FROM worker_leases WHERE expires_at < :now")
            .param("now", Timestamp.from(now))
            .query(UUID.class)
            .list());
  }

  /** Deletes leases that ran out before {@code before}; answers how many. */
  int purge(Instant before) {
    return jdbc.sql("DELETE FROM worker_leases WHERE expires_at < :before")
        .param("before", Timestamp.from(before))
        .update();
  }
}

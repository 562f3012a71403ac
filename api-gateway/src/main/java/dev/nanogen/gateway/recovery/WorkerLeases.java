package dev.nanogen.gateway.recovery;

import dev.nanogen.model.Topics;
import dev.nanogen.model.WorkerHeartbeat;
import dev.nanogen.ops.KafkaEvents;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * The workers' leases (table {@code worker_leases}): each heartbeat renews its worker's lease from
 * this gateway's clock, so the workers' clocks never decide; {@link RedispatchStalled} resumes the
 * videos of a worker whose lease ran out. Rows of workers long gone are purged by the sweeper.
 */
@Component
class WorkerLeases {
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
    renew(events.decode(record, WorkerHeartbeat.class));
  }

  void renew(WorkerHeartbeat beat) {
    if (beat.workerId() == null || beat.leaseSeconds() <= 0) {
      throw new IllegalArgumentException("a heartbeat names a worker and a positive lease");
    }
    Instant now = clock.instant();
    Duration lease = Duration.ofSeconds(Math.min(beat.leaseSeconds(), MAX_LEASE.toSeconds()));
    jdbc.sql(RENEW)
        .param("worker", beat.workerId())
        .param("now", Timestamp.from(now))
        .param("expires", Timestamp.from(now.plus(lease)))
        .update();
  }

  /** Deletes leases that ran out before {@code before}; answers how many. */
  int purge(Instant before) {
    return jdbc.sql("DELETE FROM worker_leases WHERE expires_at < :before")
        .param("before", Timestamp.from(before))
        .update();
  }
}

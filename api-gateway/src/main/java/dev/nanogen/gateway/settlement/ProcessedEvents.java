package dev.nanogen.gateway.settlement;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.ops.SingletonJobs;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The worker events already applied, by event id: a redelivered outcome is recognised and skipped.
 * A mark is kept for the outbox's retention ({@code nanogen.outbox.retention}), far longer than any
 * redelivery could come.
 */
@Component
class ProcessedEvents {
  private static final String REMEMBER =
      """
      INSERT INTO processed_events (event_id, processed_at) VALUES (:eventId, :now)
      ON CONFLICT (event_id) DO NOTHING
      """;
  private static final String PURGE = "DELETE FROM processed_events WHERE processed_at < :before";

  private final JdbcClient jdbc;
  private final Clock clock;
  private final Duration retention;

  private final SingletonJobs singletons;

  ProcessedEvents(
      SingletonJobs singletons, JdbcClient jdbc, Clock clock, NanogenProperties properties) {
    this.singletons = singletons;
    this.jdbc = jdbc;
    this.clock = clock;
    this.retention = properties.outbox().retention();
  }

  /** Marks the event applied, in the caller's transaction; false when it was already. */
  @Transactional(propagation = Propagation.MANDATORY)
  boolean firstTime(UUID eventId) {
    return jdbc.sql(REMEMBER)
            .param("eventId", eventId)
            .param("now", Timestamp.from(clock.instant()))
            .update()
        == 1;
  }

  @Scheduled(
      fixedDelayString = "#{" + NanogenProperties.SETTINGS + ".housekeeping().interval()}",
      initialDelayString = "PT1M")
  void scheduledPurge() {
    // Once per interval over all replicas: the others find the lock taken and skip.
    singletons.run("gateway-processed-events-purge", Duration.ofMinutes(1), this::purge);
  }

  void purge() {
    jdbc.sql(PURGE).param("before", Timestamp.from(clock.instant().minus(retention))).update();
  }
}

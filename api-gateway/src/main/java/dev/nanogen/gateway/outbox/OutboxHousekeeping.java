package dev.nanogen.gateway.outbox;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.ops.SingletonJobs;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keeps the outbox from growing forever: published rows past their retention ({@code
 * nanogen.outbox.retention}).
 */
@Component
class OutboxHousekeeping {
  /** Published rows (no pending row left) older than the retention; never one still to publish. */
  private static final String PURGE_PUBLISHED =
      """
      DELETE FROM outbox o
      WHERE o.created_at < :before AND NOT EXISTS (SELECT 1 FROM outbox_pending p WHERE p.id = o.id)
      """;

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final Duration retention;

  private final SingletonJobs singletons;

  OutboxHousekeeping(
      SingletonJobs singletons,
      JdbcClient jdbc,
      TransactionTemplate tx,
      Clock clock,
      NanogenProperties properties) {
    this.singletons = singletons;
    this.jdbc = jdbc;
    this.tx = tx;
    this.clock = clock;
    this.retention = properties.outbox().retention();
  }

  @Scheduled(
      fixedDelayString = "#{" + NanogenProperties.SETTINGS + ".housekeeping().interval()}",
      initialDelayString = "PT1M")
  void scheduledPurge() {
    // Once per interval over all replicas: the others find the lock taken and skip.
    singletons.run("gateway-outbox-purge", Duration.ofMinutes(1), this::purge);
  }

  void purge() {
    tx.executeWithoutResult(
        status -> {
          PendingPlans.planAfresh(jdbc); // the anti-join on outbox_pending
          jdbc.sql(PURGE_PUBLISHED).param("before", before(retention)).update();
        });
  }

  private Timestamp before(Duration age) {
    return Timestamp.from(clock.instant().minus(age));
  }
}

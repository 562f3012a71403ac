package dev.nanogen.gateway.telegram;

import dev.nanogen.ops.SingletonJobs;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The Bot API updates already handled (the telegram_updates table's owner). An update is recorded
 * in the transaction of its effect, so a repeated delivery does nothing and a failed one is done
 * again when Telegram repeats it.
 */
@Component
class TelegramUpdates {
  /** How long an update id is remembered: Telegram stops repeating an update well before. */
  static final Duration KEPT = Duration.ofDays(1);

  private final JdbcClient jdbc;
  private final Clock clock;

  private final SingletonJobs singletons;

  TelegramUpdates(SingletonJobs singletons, JdbcClient jdbc, Clock clock) {
    this.singletons = singletons;
    this.jdbc = jdbc;
    this.clock = clock;
  }

  /** Records {@code updateId}; false when it was handled before (or is being handled right now). */
  @Transactional(propagation = Propagation.MANDATORY)
  boolean firstTime(long updateId, String kind) {
    return jdbc.sql(
                "INSERT INTO telegram_updates (update_id, kind, received_at) VALUES (:id, :kind, :now) ON CONFLICT DO NOTHING")
            .param("id", updateId)
            .param("kind", kind)
            .param("now", Timestamp.from(clock.instant()))
            .update()
        == 1;
  }

  @Scheduled(fixedDelay = 1, initialDelay = 1, timeUnit = TimeUnit.HOURS)
  void scheduledPurge() {
    // Once per interval over all replicas: the others find the lock taken and skip.
    singletons.run("gateway-telegram-updates-purge", Duration.ofMinutes(50), this::purge);
  }

  /** Forgets update ids older than {@link #KEPT}, hourly; answers how many. */
  int purge() {
    return jdbc.sql("DELETE FROM telegram_updates WHERE received_at < :before")
        .param("before", Timestamp.from(clock.instant().minus(KEPT)))
        .update();
  }
}

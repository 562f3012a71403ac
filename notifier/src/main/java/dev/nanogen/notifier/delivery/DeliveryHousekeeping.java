package dev.nanogen.notifier.delivery;

import dev.nanogen.notifier.config.NotifierProperties;
import dev.nanogen.ops.SingletonJobs;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Deletes finished deliveries after the retention period; exposes the table's health as gauges. */
@Component
class DeliveryHousekeeping {
  private static final Logger log = LoggerFactory.getLogger(DeliveryHousekeeping.class);

  private final JdbcClient jdbc;
  private final NotifierProperties.Delivery settings;

  private final SingletonJobs singletons;

  DeliveryHousekeeping(
      SingletonJobs singletons,
      JdbcClient jdbc,
      NotifierProperties properties,
      MeterRegistry meters) {
    this.singletons = singletons;
    this.jdbc = jdbc;
    this.settings = properties.delivery();
    for (String state : new String[] {"PENDING", "PARKED"}) {
      Gauge.builder("nanogen.notifier.deliveries", this, h -> h.count(state))
          .tag("state", state.toLowerCase(java.util.Locale.ROOT))
          .description("deliveries in this state")
          .register(meters);
    }
    Gauge.builder(
            "nanogen.notifier.oldest.pending.age",
            this,
            DeliveryHousekeeping::oldestPendingAgeSeconds)
        .baseUnit("seconds")
        .description("age of the oldest delivery not yet sent")
        .register(meters);
  }

  @Scheduled(
      fixedDelayString = "#{" + NotifierProperties.SETTINGS + ".delivery().purgeInterval()}",
      initialDelayString = "1m")
  void scheduledPurge() {
    // Once per interval over all replicas: the others find the lock taken and skip.
    singletons.run(
        "notifier-deliveries-purge",
        settings.purgeInterval().multipliedBy(5).dividedBy(6),
        this::purge);
  }

  void purge() {
    int deleted = purge(settings.retention());
    if (deleted > 0) {
      log.info("deleted {} finished deliveries older than {}", deleted, settings.retention());
    }
  }

  private long count(String state) {
    return jdbc.sql("SELECT count(*) FROM deliveries WHERE state = :state")
        .param("state", state)
        .query(Long.class)
        .single();
  }

  /** Seconds since the oldest pending delivery was recorded, 0 when none is pending. */
  private double oldestPendingAgeSeconds() {
    return jdbc.sql(
            "SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM deliveries WHERE state = 'PENDING'")
        .query(Double.class)
        .single();
  }

  /** Deletes finished rows older than {@code retention}; answers how many. */
  private int purge(Duration retention) {
    return jdbc.sql(
            "DELETE FROM deliveries WHERE state IN ('SENT', 'BLOCKED', 'DROPPED') AND finished_at < now() - make_interval(secs => :retention)")
        .param("retention", retention.toNanos() / 1e9)
        .update();
  }
}

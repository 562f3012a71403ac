package dev.nanogen.notifier.delivery;

import dev.nanogen.notifier.config.NotifierProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Deletes finished deliveries after the retention period; exposes the table's health as gauges. */
@Component
class DeliveryHousekeeping {
  private static final Logger log = LoggerFactory.getLogger(DeliveryHousekeeping.class);

  private final Deliveries deliveries;
  private final NotifierProperties.Delivery settings;

  DeliveryHousekeeping(Deliveries deliveries, NotifierProperties properties, MeterRegistry meters) {
    this.deliveries = deliveries;
    this.settings = properties.delivery();
    for (String state : new String[] {"PENDING", "PARKED"}) {
      Gauge.builder("nanogen.notifier.deliveries", deliveries, d -> d.count(state))
          .tag("state", state.toLowerCase(java.util.Locale.ROOT))
          .description("deliveries in this state")
          .register(meters);
    }
    Gauge.builder("nanogen.notifier.oldest.pending.age", deliveries, Deliveries::oldestPendingAgeSeconds)
        .baseUnit("seconds")
        .description("age of the oldest delivery not yet sent")
        .register(meters);
  }

  @Scheduled(fixedDelayString = "${nanogen.delivery.purge-interval:1h}", initialDelayString = "1m")
  void purge() {
    int deleted = deliveries.purge(settings.retention());
    if (deleted > 0) {
      log.info("deleted {} finished deliveries older than {}", deleted, settings.retention());
    }
  }
}

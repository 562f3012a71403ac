package dev.nanogen.worker.config;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.stereotype.Component;

/**
 * The share group's backlog, {@code nanogen.worker.requests.backlog}: requests in the topic that no
 * worker has acknowledged yet (the broker's lag of {@value ShareGroupConfig#GROUP}, summed over
 * partitions). Every worker reports the same figure; an autoscaler reads its maximum. Asked of the
 * broker at most every 10 s, whatever the scrape rate.
 */
@Component
@ConditionalOnProperty(
    name = "nanogen.worker.share-group",
    havingValue = "true",
    matchIfMissing = true)
class ShareBacklog implements DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(ShareBacklog.class);
  static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Admin admin;
  private long refreshedAt = System.nanoTime() - REFRESH_NANOS;
  private double backlog = Double.NaN;

  ShareBacklog(KafkaAdmin kafkaAdmin, MeterRegistry meters) {
    this.admin = Admin.create(kafkaAdmin.getConfigurationProperties());
    Gauge.builder("nanogen.worker.requests.backlog", this, ShareBacklog::value)
        .description("generation requests not yet acknowledged by any worker (share group lag)")
        .register(meters);
  }

  synchronized double value() {
    if (System.nanoTime() - refreshedAt >= REFRESH_NANOS) {
      refreshedAt = System.nanoTime();
      try {
        Map<?, SharePartitionOffsetInfo> partitions =
            admin
                .listShareGroupOffsets(
                    Map.of(ShareGroupConfig.GROUP, new ListShareGroupOffsetsSpec()))
                .partitionsToOffsetInfo(ShareGroupConfig.GROUP)
                .get(5, TimeUnit.SECONDS);
        backlog =
            partitions.values().stream()
                .filter(info -> info != null)
                .mapToLong(info -> info.lag().orElse(0L))
                .sum();
      } catch (Exception e) {
        log.debug("share group backlog unavailable: {}", e.toString());
        backlog = Double.NaN;
      }
    }
    return backlog;
  }

  @Override
  public void destroy() {
    admin.close();
  }
}

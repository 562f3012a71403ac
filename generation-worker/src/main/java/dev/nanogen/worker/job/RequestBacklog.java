package dev.nanogen.worker.job;

import dev.nanogen.model.Topics;
import dev.nanogen.worker.config.ShareGroupConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The request backlog, {@code nanogen.worker.requests.backlog}: requests in the topic that no
 * worker has taken yet — the share group's lag, or on the consumer-group path the group's lag
 * (latest offsets less committed ones), summed over partitions. Every worker reports the same
 * figure; an autoscaler reads its maximum. Asked of the broker at most every 10 s, whatever the
 * scrape rate; one admin client, closed with the meter registry's application.
 */
final class RequestBacklog {
  private static final Logger log = LoggerFactory.getLogger(RequestBacklog.class);
  static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Admin admin;
  private final boolean share;
  private long refreshedAt = System.nanoTime() - REFRESH_NANOS;
  private double backlog = Double.NaN;

  RequestBacklog(KafkaAdmin kafkaAdmin, boolean share, MeterRegistry meters) {
    this.admin = Admin.create(kafkaAdmin.getConfigurationProperties());
    this.share = share;
    Gauge.builder("nanogen.worker.requests.backlog", this, RequestBacklog::value)
        .description("generation requests not yet taken by any worker (the request group's lag)")
        .register(meters);
  }

  synchronized double value() {
    if (System.nanoTime() - refreshedAt >= REFRESH_NANOS) {
      refreshedAt = System.nanoTime();
      try {
        backlog = share ? shareLag() : groupLag();
      } catch (Exception e) {
        log.debug("request backlog unavailable: {}", e.toString());
        backlog = Double.NaN;
      }
    }
    return backlog;
  }

  private long shareLag() throws Exception {
    Map<?, SharePartitionOffsetInfo> partitions =
        admin
            .listShareGroupOffsets(Map.of(ShareGroupConfig.GROUP, new ListShareGroupOffsetsSpec()))
            .partitionsToOffsetInfo(ShareGroupConfig.GROUP)
            .get(5, TimeUnit.SECONDS);
    return partitions.values().stream()
        .filter(info -> info != null)
        .mapToLong(info -> info.lag().orElse(0L))
        .sum();
  }

  private long groupLag() throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin
            .listConsumerGroupOffsets(RequestListener.GROUP)
            .partitionsToOffsetAndMetadata()
            .get(5, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetSpec> latest =
        admin
            .describeTopics(java.util.List.of(Topics.REQUESTS))
            .allTopicNames()
            .get(5, TimeUnit.SECONDS)
            .get(Topics.REQUESTS)
            .partitions()
            .stream()
            .collect(
                Collectors.toMap(
                    p -> new TopicPartition(Topics.REQUESTS, p.partition()),
                    p -> OffsetSpec.latest()));
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
        admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
    return ends.entrySet().stream()
        .mapToLong(
            end -> {
              OffsetAndMetadata at = committed.get(end.getKey());
              return Math.max(0, end.getValue().offset() - (at == null ? 0 : at.offset()));
            })
        .sum();
  }

  void close() {
    admin.close();
  }
}

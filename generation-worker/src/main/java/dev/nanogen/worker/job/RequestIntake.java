package dev.nanogen.worker.job;

import dev.nanogen.worker.config.ShareGroupConfig;
import dev.nanogen.worker.config.WorkerProperties;
import dev.nanogen.worker.config.WorkerProperties.ShareGroup;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.stereotype.Component;

/**
 * Decides at start how this worker takes generation requests, and starts that listener: the share
 * group ({@link ShareRequestListener}) where the cluster has share groups (the finalized feature
 * {@code share.version} ≥ 1: Kafka 4.2 and later by default, 4.1 only where an operator enabled the
 * preview), else the consumer group ({@link RequestListener}), said in a WARN line and the gauge
 * {@code nanogen.worker.request.path{path}}. With {@code nanogen.worker.share-group=on} a cluster
 * without share groups stops the worker at start with one line naming what is missing; with {@code
 * off} the consumer group is used without asking. Also owns the {@code
 * nanogen.worker.requests.backlog} gauge of whichever path was chosen.
 */
@Component
class RequestIntake implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(RequestIntake.class);

  static final String SHARE_LISTENER = "worker-requests-share";
  static final String GROUP_LISTENER = "worker-requests";

  /** The two ways of taking requests, by their gauge tag. */
  enum Path {
    SHARE("share"),
    CONSUMER_GROUP("consumer_group");

    final String tag;

    Path(String tag) {
      this.tag = tag;
    }
  }

  private final KafkaListenerEndpointRegistry registry;
  private final KafkaAdmin kafkaAdmin;
  private final ShareGroup setting;
  private final MeterRegistry meters;
  private volatile Path path;
  private RequestBacklog backlog;

  RequestIntake(
      KafkaListenerEndpointRegistry registry,
      KafkaAdmin kafkaAdmin,
      WorkerProperties properties,
      MeterRegistry meters) {
    this.registry = registry;
    this.kafkaAdmin = kafkaAdmin;
    this.setting = properties.worker().shareGroup();
    this.meters = meters;
  }

  /** The path chosen at start; null before. */
  Path path() {
    return path;
  }

  @Override
  public void start() {
    if (path == null) {
      path = choose();
      for (Path each : Path.values()) {
        Gauge.builder("nanogen.worker.request.path", () -> each == path ? 1 : 0)
            .description("1 for the way this worker takes requests: share group or consumer group")
            .tag("path", each.tag)
            .register(meters);
      }
      backlog = new RequestBacklog(kafkaAdmin, path == Path.SHARE, meters);
    }
    container(path).start();
  }

  private Path choose() {
    if (setting == ShareGroup.OFF) {
      log.info(
          "requests come through consumer group nanogen-worker (nanogen.worker.share-group=off)");
      return Path.CONSUMER_GROUP;
    }
    Duration askFor = Duration.ofSeconds(kafkaAdmin.getOperationTimeout());
    try (Admin admin = Admin.create(kafkaAdmin.getConfigurationProperties())) {
      short level = shareVersion(admin, askFor);
      if (level >= 1) {
        startFromEarliest(admin, askFor);
        log.info(
            "requests come through share group {} (the cluster's share.version is {})",
            ShareGroupConfig.GROUP,
            level);
        return Path.SHARE;
      }
      if (setting == ShareGroup.ON) {
        throw new IllegalStateException(
            "nanogen.worker.share-group=on but the Kafka cluster has no share groups (feature"
                + " share.version is "
                + level
                + "); enable it (kafka-features.sh upgrade --feature share.version=1) or set"
                + " NANOGEN_WORKER_SHARE_GROUP=auto");
      }
      log.warn(
          "the Kafka cluster has no share groups (feature share.version is {}): requests come"
              + " through consumer group nanogen-worker instead, at most one consumer per"
              + " partition (docs/operations.md, \"What the services check at start\")",
          level);
      return Path.CONSUMER_GROUP;
    }
  }

  /**
   * The cluster's finalized share.version, 0 when it has none; after an authenticated call (the
   * cluster's id), since a broker answers the features of an unauthenticated client too.
   */
  private static short shareVersion(Admin admin, Duration askFor) {
    try {
      admin.describeCluster().clusterId().get(askFor.toMillis(), TimeUnit.MILLISECONDS);
      FinalizedVersionRange share =
          admin
              .describeFeatures()
              .featureMetadata()
              .get(askFor.toMillis(), TimeUnit.MILLISECONDS)
              .finalizedFeatures()
              .get("share.version");
      return share == null ? 0 : share.maxVersionLevel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking Kafka for its features", e);
    } catch (Exception e) {
      throw new IllegalStateException(
          "the Kafka cluster did not answer within "
              + askFor
              + " (spring.kafka.bootstrap-servers, SPRING_KAFKA_SECURITY_PROTOCOL and"
              + " SPRING_KAFKA_PROPERTIES_SASL_*?): "
              + e);
    }
  }

  /**
   * Sets the group's {@code share.auto.offset.reset} to earliest (the broker's default is latest),
   * so nothing published before the first worker joined is skipped.
   */
  private static void startFromEarliest(Admin admin, Duration askFor) {
    ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, ShareGroupConfig.GROUP);
    try {
      admin
          .incrementalAlterConfigs(
              Map.of(
                  group,
                  List.of(
                      new AlterConfigOp(
                          new ConfigEntry("share.auto.offset.reset", "earliest"),
                          AlterConfigOp.OpType.SET))))
          .all()
          .get(askFor.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // Not fatal: the group keeps its setting; on a new group a request published before the first
      // worker joined then waits for the sweeper's pending stall instead.
      log.warn(
          "could not set share.auto.offset.reset=earliest on share group {}: {}",
          ShareGroupConfig.GROUP,
          e.toString());
    }
  }

  private MessageListenerContainer container(Path path) {
    return registry.getListenerContainer(path == Path.SHARE ? SHARE_LISTENER : GROUP_LISTENER);
  }

  @Override
  public void stop() {
    if (path != null) {
      container(path).stop();
    }
  }

  @PreDestroy
  void close() {
    if (backlog != null) {
      backlog.close();
    }
  }

  @Override
  public boolean isRunning() {
    return path != null && container(path).isRunning();
  }

  /** Starts with the listener containers, after the lease and the jobs; stops before them. */
  @Override
  public int getPhase() {
    return AbstractMessageListenerContainer.DEFAULT_PHASE;
  }
}

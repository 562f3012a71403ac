package dev.nanogen.worker.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ShareKafkaListenerContainerFactory;
import org.springframework.kafka.core.DefaultShareConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.ShareConsumerFactory;
import org.springframework.kafka.listener.ContainerProperties;

/**
 * Generation requests through the Kafka share group {@value #GROUP} (KIP-932): every worker's
 * consumers share every partition, the broker hands out records one by one under an acquisition
 * lock, and the listener acknowledges each itself (MANUAL): ACCEPT once GenerationStarted is in
 * Kafka, RELEASE when it cannot take it, REJECT (after a dead-letter record) when it cannot read
 * it. A worker that dies holding records has them redelivered when their lock runs out.
 *
 * <p>The group reads from the earliest record when it is first created ({@code
 * share.auto.offset.reset}), so nothing published before the first worker joined is skipped.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(
    name = "nanogen.worker.share-group",
    havingValue = "true",
    matchIfMissing = true)
public class ShareGroupConfig {
  private static final Logger log = LoggerFactory.getLogger(ShareGroupConfig.class);

  /** The share group of every worker (a group id is of one type: not the consumer group's id). */
  public static final String GROUP = "nanogen-worker-share";

  /**
   * Records one share consumer acquires per fetch ({@code record_limit}): enough that a fetch round
   * trip is shared by several admissions, few enough that a busy worker leaves the rest to others.
   */
  static final int MAX_ACQUIRED = 10;

  @Bean
  ShareConsumerFactory<String, String> requestShareConsumerFactory(
      KafkaProperties kafka, KafkaAdmin admin) {
    startFromEarliest(admin);
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBootstrapServers());
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_ACQUIRED);
    props.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
    props.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
    return new DefaultShareConsumerFactory<>(props);
  }

  @Bean
  ShareKafkaListenerContainerFactory<String, String> shareRequests(
      ShareConsumerFactory<String, String> requestShareConsumerFactory) {
    ShareKafkaListenerContainerFactory<String, String> factory =
        new ShareKafkaListenerContainerFactory<>(requestShareConsumerFactory);
    factory.getContainerProperties().setShareAckMode(ContainerProperties.ShareAckMode.MANUAL);
    // Acknowledgements ride on the next fetch instead of a commit round trip of their own.
    factory.getContainerProperties().setSyncShareCommits(false);
    return factory;
  }

  /**
   * Sets the group's {@code share.auto.offset.reset} to earliest (the broker's default is latest).
   */
  private static void startFromEarliest(KafkaAdmin kafkaAdmin) {
    try (Admin admin = Admin.create(kafkaAdmin.getConfigurationProperties())) {
      ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, GROUP);
      admin
          .incrementalAlterConfigs(
              Map.of(
                  group,
                  List.of(
                      new AlterConfigOp(
                          new ConfigEntry("share.auto.offset.reset", "earliest"),
                          AlterConfigOp.OpType.SET))))
          .all()
          .get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Not fatal: the group keeps its setting; on a new group a request published before the first
      // worker joined then waits for the sweeper's pending stall instead.
      log.warn(
          "could not set share.auto.offset.reset=earliest on share group {}: {}",
          GROUP,
          e.toString());
    }
  }
}

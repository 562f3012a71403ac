package dev.nanogen.worker.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ShareKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultShareConsumerFactory;
import org.springframework.kafka.core.ShareConsumerFactory;
import org.springframework.kafka.listener.ContainerProperties;

/**
 * Generation requests through the Kafka share group {@value #GROUP} (KIP-932): every worker's
 * consumers share every partition, the broker hands out records one by one under an acquisition
 * lock, and the listener acknowledges each itself (MANUAL): ACCEPT once GenerationStarted is in
 * Kafka, RELEASE when it cannot take it, REJECT (after a dead-letter record) when it cannot read
 * it. A worker that dies holding records has them redelivered when their lock runs out.
 *
 * <p>The share consumers are built from Spring Boot's {@code spring.kafka.*} consumer settings, so
 * the same security settings (SASL, TLS) reach them as every other client; the settings a share
 * consumer refuses (they belong to consumer groups) are left out. Whether the share group is used
 * at all is decided at start ({@code RequestIntake}).
 */
@Configuration(proxyBeanMethods = false)
public class ShareGroupConfig {

  /** The share group of every worker (a group id is of one type: not the consumer group's id). */
  public static final String GROUP = "nanogen-worker-share";

  /**
   * Records one share consumer acquires per fetch ({@code record_limit}): enough that a fetch round
   * trip is shared by several admissions, few enough that a busy worker leaves the rest to others.
   */
  static final int MAX_ACQUIRED = 10;

  /**
   * Consumer settings a share consumer refuses to start with (Kafka's {@code ShareConsumerConfig}):
   * they are about consumer groups, and Boot's consumer properties may carry them.
   */
  static final List<String> NOT_FOR_SHARE_CONSUMERS =
      List.of(
          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
          ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
          ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
          ConsumerConfig.ISOLATION_LEVEL_CONFIG,
          ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
          ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG,
          ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
          ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
          ConsumerConfig.GROUP_PROTOCOL_CONFIG,
          ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG);

  @Bean
  ShareConsumerFactory<String, String> requestShareConsumerFactory(
      ConsumerFactory<?, ?> kafkaConsumerFactory) {
    return new DefaultShareConsumerFactory<>(
        shareConsumerProperties(kafkaConsumerFactory.getConfigurationProperties()));
  }

  /**
   * The settings of Boot's own consumers (bootstrap, security, TLS, extra properties, as its
   * connection details applied them) for a share consumer.
   */
  static Map<String, Object> shareConsumerProperties(Map<String, Object> consumer) {
    Map<String, Object> props = new HashMap<>(consumer);
    NOT_FOR_SHARE_CONSUMERS.forEach(props::remove);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_ACQUIRED);
    props.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
    props.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
    return props;
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
}

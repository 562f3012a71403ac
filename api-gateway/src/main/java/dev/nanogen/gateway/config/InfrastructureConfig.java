package dev.nanogen.gateway.config;

import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaRecords;
import java.time.Clock;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;

/** The clock and the topics the gateway produces to or consumes from. */
@Configuration(proxyBeanMethods = false)
class InfrastructureConfig {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  KafkaAdmin.NewTopics gatewayTopics(NanogenProperties properties) {
    NanogenProperties.Kafka kafka = properties.kafka();
    return new KafkaAdmin.NewTopics(
        topic(Topics.REQUESTS, kafka),
        topic(Topics.OUTCOMES, kafka),
        topic(Topics.OUTCOMES + Topics.DLT_SUFFIX, kafka),
        topic(Topics.SETTLED, kafka),
        topic(Topics.CHATS, kafka),
        topic(Topics.CHATS + Topics.DLT_SUFFIX, kafka),
        topic(Topics.MODELS, kafka),
        topic(Topics.MODELS + Topics.DLT_SUFFIX, kafka),
        KafkaRecords.heartbeatTopic(kafka.partitions(), kafka.replicas()),
        topic(Topics.HEARTBEATS + Topics.DLT_SUFFIX, kafka));
  }

  private static NewTopic topic(String name, NanogenProperties.Kafka kafka) {
    return TopicBuilder.name(name).partitions(kafka.partitions()).replicas(kafka.replicas()).build();
  }
}

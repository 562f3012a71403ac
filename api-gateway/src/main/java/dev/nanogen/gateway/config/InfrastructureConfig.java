package dev.nanogen.gateway.config;

import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaRecords;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
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
    int partitions = properties.kafka().partitions();
    short replicas = properties.kafka().replicas();
    return new KafkaAdmin.NewTopics(
        KafkaRecords.topic(Topics.REQUESTS, partitions, replicas),
        KafkaRecords.outcomesTopic(partitions, replicas),
        KafkaRecords.deadLetterTopic(Topics.OUTCOMES, replicas),
        KafkaRecords.topic(Topics.SETTLED, partitions, replicas),
        KafkaRecords.topic(Topics.CHATS, partitions, replicas),
        KafkaRecords.deadLetterTopic(Topics.CHATS, replicas),
        KafkaRecords.topic(Topics.MODELS, partitions, replicas),
        KafkaRecords.deadLetterTopic(Topics.MODELS, replicas),
        KafkaRecords.heartbeatTopic(replicas),
        KafkaRecords.deadLetterTopic(Topics.HEARTBEATS, replicas));
  }
}

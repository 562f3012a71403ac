package dev.nanogen.worker.config;

import dev.nanogen.model.Topics;
import dev.nanogen.ops.Backoff;
import dev.nanogen.ops.KafkaRecords;
import java.time.Clock;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DefaultErrorHandler;
import tools.jackson.core.JacksonException;

/** Topics the worker uses, and what happens to a request it cannot handle. */
@Configuration(proxyBeanMethods = false)
class WorkerKafkaConfig {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  KafkaAdmin.NewTopics workerTopics(WorkerProperties properties) {
    int partitions = properties.kafka().partitions();
    short replicas = properties.kafka().replicas();
    return new KafkaAdmin.NewTopics(
        KafkaRecords.topic(Topics.REQUESTS, partitions, replicas),
        KafkaRecords.deadLetterTopic(Topics.REQUESTS, replicas),
        KafkaRecords.outcomesTopic(partitions, replicas),
        KafkaRecords.topic(Topics.CLAIMS, partitions, replicas),
        KafkaRecords.topic(Topics.MODELS, partitions, replicas),
        KafkaRecords.heartbeatTopic(replicas));
  }

  /** Retries a failing record with back-off, then dead-letters it; unparseable ones at once. */
  @Bean
  DefaultErrorHandler kafkaErrorHandler(KafkaTemplate<String, String> template) {
    return KafkaRecords.deadLetterHandler(
        template,
        Backoff.doubling(Duration.ofMillis(500), Duration.ofSeconds(10))
            .untilElapsed(Duration.ofMinutes(1)),
        JacksonException.class,
        IllegalArgumentException.class);
  }
}

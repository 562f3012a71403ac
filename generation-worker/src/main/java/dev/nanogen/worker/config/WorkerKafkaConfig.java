package dev.nanogen.worker.config;

import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaRecords;
import java.time.Clock;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;
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
    WorkerProperties.Kafka kafka = properties.kafka();
    return new KafkaAdmin.NewTopics(
        topic(Topics.REQUESTS, kafka),
        topic(Topics.REQUESTS + Topics.DLT_SUFFIX, kafka),
        topic(Topics.OUTCOMES, kafka),
        topic(Topics.CLAIMS, kafka),
        topic(Topics.MODELS, kafka),
        KafkaRecords.heartbeatTopic(kafka.partitions(), kafka.replicas()));
  }

  /** Retries a failing record with back-off, then dead-letters it; unparseable ones at once. */
  @Bean
  DefaultErrorHandler kafkaErrorHandler(KafkaTemplate<String, String> template) {
    ExponentialBackOff backOff = new ExponentialBackOff(500, 2.0);
    backOff.setMaxInterval(10_000);
    backOff.setMaxElapsedTime(60_000);
    return KafkaRecords.deadLetterHandler(template, backOff, JacksonException.class, IllegalArgumentException.class);
  }

  private static NewTopic topic(String name, WorkerProperties.Kafka kafka) {
    return TopicBuilder.name(name).partitions(kafka.partitions()).replicas(kafka.replicas()).build();
  }
}

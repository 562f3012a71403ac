package dev.nanogen.worker.config;

import dev.nanogen.model.Topics;
import java.time.Clock;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
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
        topic(Topics.MODELS, kafka));
  }

  /** Retries a failing record with back-off, then dead-letters it; unparseable ones at once. */
  @Bean
  DefaultErrorHandler kafkaErrorHandler(KafkaTemplate<String, String> template) {
    DeadLetterPublishingRecoverer recoverer =
        new DeadLetterPublishingRecoverer(
            template,
            (record, e) -> new TopicPartition(record.topic() + Topics.DLT_SUFFIX, record.partition()));
    ExponentialBackOff backOff = new ExponentialBackOff(500, 2.0);
    backOff.setMaxInterval(10_000);
    backOff.setMaxElapsedTime(60_000);
    DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, backOff);
    handler.setRetryListeners(
        (record, e, attempt) ->
            org.slf4j.LoggerFactory.getLogger(getClass())
                .warn("record {}-{}@{} failed (attempt {}): {}", record.topic(), record.partition(), record.offset(), attempt, org.springframework.core.NestedExceptionUtils.getMostSpecificCause(e).toString()));
    handler.addNotRetryableExceptions(JacksonException.class, IllegalArgumentException.class);
    return handler;
  }

  private static NewTopic topic(String name, WorkerProperties.Kafka kafka) {
    return TopicBuilder.name(name).partitions(kafka.partitions()).replicas(kafka.replicas()).build();
  }
}

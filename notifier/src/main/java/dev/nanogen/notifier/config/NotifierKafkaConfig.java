package dev.nanogen.notifier.config;

import dev.nanogen.model.Topics;
import dev.nanogen.notifier.telegram.TelegramError;
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

/** Topics the notifier uses, and what happens to a notice it cannot deliver. */
@Configuration(proxyBeanMethods = false)
class NotifierKafkaConfig {

  @Bean
  KafkaAdmin.NewTopics notifierTopics(NotifierProperties properties) {
    return new KafkaAdmin.NewTopics(
        topic(Topics.SETTLED, properties.kafka()),
        topic(Topics.SETTLED + Topics.DLT_SUFFIX, properties.kafka()));
  }

  /** Telegram down: retried with back-off, then dead-lettered; final refusals and bad records at once. */
  @Bean
  DefaultErrorHandler kafkaErrorHandler(KafkaTemplate<String, String> template) {
    DeadLetterPublishingRecoverer recoverer =
        new DeadLetterPublishingRecoverer(
            template,
            (record, e) -> new TopicPartition(record.topic() + Topics.DLT_SUFFIX, record.partition()));
    ExponentialBackOff backOff = new ExponentialBackOff(1_000, 2.0);
    backOff.setMaxInterval(30_000);
    backOff.setMaxElapsedTime(300_000);
    DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, backOff);
    handler.setRetryListeners(
        (record, e, attempt) ->
            org.slf4j.LoggerFactory.getLogger(getClass())
                .warn("record {}-{}@{} failed (attempt {}): {}", record.topic(), record.partition(), record.offset(), attempt, org.springframework.core.NestedExceptionUtils.getMostSpecificCause(e).toString()));
    handler.addNotRetryableExceptions(JacksonException.class, IllegalArgumentException.class);
    handler.addNotRetryableExceptions(TelegramError.Final.class);
    return handler;
  }

  private static NewTopic topic(String name, NotifierProperties.Kafka kafka) {
    return TopicBuilder.name(name).partitions(kafka.partitions()).replicas(kafka.replicas()).build();
  }
}

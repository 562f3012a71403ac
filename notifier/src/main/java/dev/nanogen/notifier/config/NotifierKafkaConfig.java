package dev.nanogen.notifier.config;

import dev.nanogen.model.Topics;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;
import tools.jackson.core.JacksonException;

/** Topics the notifier uses, and what happens to a record it cannot take in. */
@Configuration(proxyBeanMethods = false)
class NotifierKafkaConfig {
  private static final Logger log = LoggerFactory.getLogger(NotifierKafkaConfig.class);

  @Bean
  KafkaAdmin.NewTopics notifierTopics(NotifierProperties properties) {
    return new KafkaAdmin.NewTopics(
        topic(Topics.SETTLED, properties.kafka()),
        topic(Topics.SETTLED + Topics.DLT_SUFFIX, properties.kafka()),
        topic(Topics.CHATS, properties.kafka()));
  }

  /**
   * The consumer only records notices (Telegram is the dispatcher's business), so what can fail is
   * the record itself — dead-lettered at once — or the database: retried with back-off for as long
   * as it is down, since nothing could be recorded meanwhile.
   */
  @Bean
  DefaultErrorHandler kafkaErrorHandler(KafkaTemplate<String, String> template) {
    DeadLetterPublishingRecoverer recoverer =
        new DeadLetterPublishingRecoverer(
            template,
            (record, e) -> new TopicPartition(record.topic() + Topics.DLT_SUFFIX, record.partition()));
    ExponentialBackOff backOff = new ExponentialBackOff(500, 2.0);
    backOff.setMaxInterval(30_000);
    DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, backOff);
    handler.setRetryListeners(
        (record, e, attempt) ->
            log.warn("record {}-{}@{} failed (attempt {}): {}", record.topic(), record.partition(), record.offset(), attempt, NestedExceptionUtils.getMostSpecificCause(e).toString()));
    handler.addNotRetryableExceptions(JacksonException.class, IllegalArgumentException.class);
    return handler;
  }

  private static NewTopic topic(String name, NotifierProperties.Kafka kafka) {
    return TopicBuilder.name(name).partitions(kafka.partitions()).replicas(kafka.replicas()).build();
  }
}

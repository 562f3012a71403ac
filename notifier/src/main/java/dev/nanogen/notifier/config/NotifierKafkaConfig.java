package dev.nanogen.notifier.config;

import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaRecords;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;
import tools.jackson.core.JacksonException;

/** Topics the notifier uses, and what happens to a record it cannot take in. */
@Configuration(proxyBeanMethods = false)
class NotifierKafkaConfig {

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
    ExponentialBackOff backOff = new ExponentialBackOff(500, 2.0);
    backOff.setMaxInterval(30_000);
    return KafkaRecords.deadLetterHandler(template, backOff, JacksonException.class, IllegalArgumentException.class);
  }

  private static NewTopic topic(String name, NotifierProperties.Kafka kafka) {
    return TopicBuilder.name(name).partitions(kafka.partitions()).replicas(kafka.replicas()).build();
  }
}

package dev.nanogen.notifier.config;

import dev.nanogen.model.Topics;
import dev.nanogen.ops.Backoff;
import dev.nanogen.ops.KafkaRecords;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DefaultErrorHandler;
import tools.jackson.core.JacksonException;

/** Topics the notifier uses, and what happens to a record it cannot take in. */
@Configuration(proxyBeanMethods = false)
class NotifierKafkaConfig {

  @Bean
  KafkaAdmin.NewTopics notifierTopics(NotifierProperties properties) {
    int partitions = properties.kafka().partitions();
    short replicas = properties.kafka().replicas();
    return new KafkaAdmin.NewTopics(
        KafkaRecords.topic(Topics.SETTLED, partitions, replicas),
        KafkaRecords.deadLetterTopic(Topics.SETTLED, replicas),
        KafkaRecords.topic(Topics.CHATS, partitions, replicas));
  }

  /**
   * The consumer only records notices (Telegram is the dispatcher's business), so what can fail is
   * the record itself — dead-lettered at once — or the database: retried with back-off for as long
   * as it is down, since nothing could be recorded meanwhile.
   */
  @Bean
  DefaultErrorHandler kafkaErrorHandler(KafkaTemplate<String, String> template) {
    return KafkaRecords.deadLetterHandler(
        template,
        Backoff.doubling(Duration.ofMillis(500), Duration.ofSeconds(30)).untilElapsed(null),
        JacksonException.class,
        IllegalArgumentException.class);
  }
}

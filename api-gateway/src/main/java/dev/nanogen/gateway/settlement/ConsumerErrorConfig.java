package dev.nanogen.gateway.settlement;

import dev.nanogen.model.Topics;
import org.apache.kafka.common.TopicPartition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;
import tools.jackson.core.JacksonException;

/**
 * A failing record is retried with exponential back-off (the database may be restarting), then
 * published to {@code <topic>.dlt}; a record that cannot be parsed goes there at once. Either way
 * the partition moves on.
 */
@Configuration(proxyBeanMethods = false)
class ConsumerErrorConfig {

  @Bean
  DefaultErrorHandler kafkaErrorHandler(KafkaTemplate<String, String> template) {
    DeadLetterPublishingRecoverer recoverer =
        new DeadLetterPublishingRecoverer(
            template,
            (record, e) -> new TopicPartition(record.topic() + Topics.DLT_SUFFIX, record.partition()));
    ExponentialBackOff backOff = new ExponentialBackOff(200, 2.0);
    backOff.setMaxInterval(5_000);
    backOff.setMaxElapsedTime(30_000);
    DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, backOff);
    handler.setRetryListeners(
        (record, e, attempt) ->
            org.slf4j.LoggerFactory.getLogger(getClass())
                .warn("record {}-{}@{} failed (attempt {}): {}", record.topic(), record.partition(), record.offset(), attempt, org.springframework.core.NestedExceptionUtils.getMostSpecificCause(e).toString()));
    handler.addNotRetryableExceptions(
        JacksonException.class, OutcomeListener.UnknownEventType.class, IllegalArgumentException.class);
    return handler;
  }
}

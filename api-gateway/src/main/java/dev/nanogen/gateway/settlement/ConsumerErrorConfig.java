package dev.nanogen.gateway.settlement;

import dev.nanogen.ops.KafkaRecords;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaTemplate;
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
    ExponentialBackOff backOff = new ExponentialBackOff(200, 2.0);
    backOff.setMaxInterval(5_000);
    backOff.setMaxElapsedTime(30_000);
    return KafkaRecords.deadLetterHandler(
        template, backOff, JacksonException.class, IllegalArgumentException.class);
  }
}

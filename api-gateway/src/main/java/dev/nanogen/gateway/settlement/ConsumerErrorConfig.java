package dev.nanogen.gateway.settlement;

import dev.nanogen.ops.Backoff;
import dev.nanogen.ops.KafkaRecords;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DefaultErrorHandler;
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
    return KafkaRecords.deadLetterHandler(
        template,
        Backoff.doubling(Duration.ofMillis(200), Duration.ofSeconds(5))
            .untilElapsed(Duration.ofSeconds(30)),
        JacksonException.class,
        IllegalArgumentException.class);
  }
}

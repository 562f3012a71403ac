package dev.nanogen.ops;

import java.time.Duration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.KafkaAdmin;

/** Registers the {@code kafka} health contributor in every service. */
@AutoConfiguration(afterName = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
public class OpsAutoConfiguration {

  @Bean(name = "kafkaHealthIndicator")
  @ConditionalOnBean(KafkaAdmin.class)
  KafkaHealthIndicator kafkaHealthIndicator(KafkaAdmin kafkaAdmin) {
    return new KafkaHealthIndicator(kafkaAdmin, Duration.ofSeconds(3));
  }
}

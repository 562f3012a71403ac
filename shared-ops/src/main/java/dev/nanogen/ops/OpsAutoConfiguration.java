package dev.nanogen.ops;

import dev.nanogen.ops.files.FileStorage;
import dev.nanogen.ops.files.StoredFiles;
import dev.nanogen.ops.trace.Traces;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.KafkaAdmin;
import tools.jackson.databind.json.JsonMapper;

/**
 * Registers the {@code kafka} health contributor, the Kafka event codec, kept result files and the
 * trace helper in every service.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration",
      "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
      "org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration",
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
      "org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration",
      "org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration"
    })
@EnableConfigurationProperties(FileStorage.class)
public class OpsAutoConfiguration {

  @Bean(name = "kafkaHealthIndicator")
  @ConditionalOnBean(KafkaAdmin.class)
  KafkaHealthIndicator kafkaHealthIndicator(KafkaAdmin kafkaAdmin) {
    return new KafkaHealthIndicator(kafkaAdmin, Duration.ofSeconds(3));
  }

  /** Readiness of the Kafka listeners: down while a listener's consumer stopped abnormally. */
  @Bean(name = "kafkaListenersHealthIndicator")
  @ConditionalOnBean(KafkaListenerEndpointRegistry.class)
  KafkaListenersHealth kafkaListenersHealthIndicator(
      KafkaListenerEndpointRegistry registry, MeterRegistry meters) {
    return new KafkaListenersHealth(registry, meters);
  }

  /** Jobs that run once per interval across replicas (a lock row in the service's database). */
  @Bean
  @ConditionalOnBean(DataSource.class)
  SingletonJobs singletonJobs(DataSource dataSource) {
    return new SingletonJobs(dataSource);
  }

  /** Events to Kafka records and back, with the services' JSON settings. */
  @Bean
  @ConditionalOnBean(JsonMapper.class)
  KafkaEvents kafkaEvents(JsonMapper json) {
    return new KafkaEvents(json);
  }

  /**
   * Kept result files (written by the worker, served by the gateway), in PostgreSQL or in the
   * bucket {@code nanogen.files.s3.bucket} names.
   */
  @Bean
  @ConditionalOnBean(JdbcClient.class)
  StoredFiles storedFiles(JdbcClient jdbc, FileStorage storage) {
    return new StoredFiles(jdbc, storage, storage.client());
  }

  /**
   * The trace helper; with tracing switched off ({@code management.tracing.enabled=false}) a no-op
   * one.
   */
  @Bean
  Traces traces(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
    return new Traces(
        tracer.getIfAvailable(() -> Tracer.NOOP), propagator.getIfAvailable(() -> Propagator.NOOP));
  }
}

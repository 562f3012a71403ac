package dev.nanogen.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.testkit.TestInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafka;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.config.ShareKafkaListenerContainerFactory;
import org.springframework.kafka.core.DefaultShareConsumerFactory;

/**
 * A listener whose consumer dies takes readiness down: a share-group listener on a cluster without
 * share groups (the failure a worker met on Kafka 4.1) is reported by id, and counted.
 */
class KafkaListenersHealthTest {

  @Test
  void a_listener_whose_consumer_died_on_the_cluster_makes_the_listeners_health_down() {
    try (AnnotationConfigApplicationContext context =
        new AnnotationConfigApplicationContext(ShareListenerOnOldCluster.class)) {
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      KafkaListenersHealth health =
          new KafkaListenersHealth(context.getBean(KafkaListenerEndpointRegistry.class), meters);

      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> health.health(true).getStatus(), Status.DOWN::equals);
      Health down = health.health(true);
      assertThat(down.getDetails()).containsEntry("failed", List.of("doomed-share-listener"));
      assertThat(meters.get("nanogen.kafka.listeners.failed").gauge().value()).isEqualTo(1.0);
    }
  }

  @Test
  void running_listeners_keep_the_listeners_health_up() {
    try (AnnotationConfigApplicationContext context =
        new AnnotationConfigApplicationContext(ShareListenerOnCurrentCluster.class)) {
      KafkaListenersHealth health =
          new KafkaListenersHealth(
              context.getBean(KafkaListenerEndpointRegistry.class), new SimpleMeterRegistry());

      assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);
      assertThat(health.health(true).getDetails())
          .containsEntry("running", List.of("doomed-share-listener"));
    }
  }

  abstract static class ShareListener {
    abstract String bootstrap();

    @Bean
    ShareKafkaListenerContainerFactory<String, String> shareFactory() {
      return new ShareKafkaListenerContainerFactory<>(
          new DefaultShareConsumerFactory<>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                  ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                  ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class)));
    }

    @KafkaListener(
        id = "doomed-share-listener",
        topics = "nanogen.health.test",
        groupId = "nanogen-health-test",
        containerFactory = "shareFactory")
    void on(String value) {}
  }

  @Configuration
  @EnableKafka
  static class ShareListenerOnOldCluster extends ShareListener {
    @Override
    String bootstrap() {
      return TestInfra.kafkaWithoutShareGroups();
    }
  }

  @Configuration
  @EnableKafka
  static class ShareListenerOnCurrentCluster extends ShareListener {
    @Override
    String bootstrap() {
      return TestInfra.kafkaBootstrap();
    }
  }
}

package dev.nanogen.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaEvents;
import dev.nanogen.testkit.ClaimsStandIn;
import dev.nanogen.testkit.KafkaProbe;
import dev.nanogen.testkit.StartupRefusal;
import dev.nanogen.testkit.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * The worker on clusters it did not bring: one whose client listener requires SASL, secured by
 * Spring Boot's own settings alone, and one without share groups (as Kafka 4.1 is by default),
 * where it takes requests through its consumer group — or, told to insist on share groups, refuses
 * to start with one line naming what is missing. Each cluster is a broker of its own.
 */
class DeployedClustersTest {

  @Test
  void a_worker_secured_by_springs_own_settings_runs_a_generation_on_a_cluster_that_requires_sasl()
      throws Exception {
    TestInfra.SecuredKafka kafka = TestInfra.saslKafka();
    try (ConfigurableApplicationContext worker = worker(kafka.bootstrap(), kafka.springSettings());
        ClaimsStandIn claims = new ClaimsStandIn(kafka.bootstrap(), kafka.clientProperties());
        KafkaProbe outcomes =
            new KafkaProbe(Topics.OUTCOMES, kafka.bootstrap(), kafka.clientProperties())) {
      assertThat(requestPath(worker)).isEqualTo("share");
      UUID id = request(worker, "secured " + System.nanoTime());

      awaitSucceeded(outcomes, id);
      assertThat(claims.claimsOf(id)).isEqualTo(1);
      assertThat(readiness(worker)).isEqualTo(Status.UP);
    }
  }

  @Test
  void a_worker_without_the_clusters_credentials_refuses_to_start_naming_kafka() {
    TestInfra.SecuredKafka kafka = TestInfra.saslKafka();
    String refusal =
        StartupRefusal.of(
            "nanogen_worker_unsecured_test",
            "--spring.kafka.admin.operation-timeout=5s",
            args ->
                startWorker(
                    Stream.concat(
                            Stream.of(on(kafka.bootstrap(), args)),
                            Stream.of("--spring.kafka.producer.properties.max.block.ms=5000"))
                        .toArray(String[]::new)));

    assertThat(refusal).isNotNull().contains("Kafka");
  }

  @Test
  void a_worker_on_a_cluster_without_share_groups_takes_requests_through_its_consumer_group()
      throws Exception {
    String bootstrap = TestInfra.kafkaWithoutShareGroups();
    try (ConfigurableApplicationContext worker = worker(bootstrap, Map.of());
        ClaimsStandIn claims = new ClaimsStandIn(bootstrap);
        KafkaProbe outcomes = new KafkaProbe(Topics.OUTCOMES, bootstrap, Map.of())) {
      assertThat(requestPath(worker)).isEqualTo("consumer_group");
      UUID id = request(worker, "no share groups " + System.nanoTime());

      awaitSucceeded(outcomes, id);
      assertThat(claims.claimsOf(id)).isEqualTo(1);
      assertThat(readiness(worker)).isEqualTo(Status.UP);
    }
  }

  @Test
  void a_worker_told_to_use_share_groups_refuses_to_start_on_a_cluster_without_them() {
    String bootstrap = TestInfra.kafkaWithoutShareGroups();
    String refusal =
        StartupRefusal.of(
            "nanogen_worker_share_refusal_test",
            "--nanogen.worker.share-group=on",
            args -> startWorker(on(bootstrap, args)));

    assertThat(refusal).contains("share.version").contains("NANOGEN_WORKER_SHARE_GROUP");
  }

  /** The arguments with another broker in place of the suite's. */
  private static String[] on(String bootstrap, String[] args) {
    return Stream.concat(
            Stream.of(args).filter(a -> !a.startsWith("--spring.kafka.bootstrap-servers=")),
            Stream.of("--spring.kafka.bootstrap-servers=" + bootstrap))
        .toArray(String[]::new);
  }

  private static ConfigurableApplicationContext startWorker(String[] args) {
    return new SpringApplicationBuilder(WorkerApplication.class)
        .web(WebApplicationType.NONE)
        .run(args);
  }

  /** A worker with the suite's settings, on another broker, with these settings more. */
  private static ConfigurableApplicationContext worker(String bootstrap, Map<String, String> more) {
    Map<String, Object> settings = new HashMap<>(WorkerIntegrationTest.settings());
    settings.put("spring.kafka.bootstrap-servers", bootstrap);
    settings.putAll(more);
    settings.put("management.server.port", "0");
    return startWorker(
        settings.entrySet().stream()
            .map(e -> "--" + e.getKey() + "=" + e.getValue())
            .toArray(String[]::new));
  }

  /** Sends an image request through the worker's own (secured) template; answers its id. */
  @SuppressWarnings("unchecked")
  private static UUID request(ConfigurableApplicationContext worker, String prompt)
      throws Exception {
    UUID id = UUID.randomUUID();
    GenerationRequested request =
        new GenerationRequested(
            UUID.randomUUID(),
            Instant.now(),
            GenerationRequested.SCHEMA_VERSION,
            id,
            1L,
            "flux-pro",
            "flux-pro/v1.1",
            ModelKind.IMAGE,
            prompt,
            Map.of(),
            1,
            Instant.now().plus(Duration.ofMinutes(1)),
            null);
    KafkaTemplate<String, String> kafka = worker.getBean(KafkaTemplate.class);
    kafka
        .send(worker.getBean(KafkaEvents.class).encode(Topics.REQUESTS, id.toString(), request))
        .get();
    return id;
  }

  private static void awaitSucceeded(KafkaProbe outcomes, UUID id) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                outcomes.withKey(id.toString()).stream()
                    .map(r -> r.headers().lastHeader(Topics.EVENT_TYPE_HEADER))
                    .anyMatch(
                        h ->
                            "GenerationSucceeded"
                                .equals(new String(h.value(), StandardCharsets.UTF_8))));
  }

  /** The tag of the request path gauge that reads 1. */
  private static String requestPath(ConfigurableApplicationContext worker) {
    return worker.getBean(MeterRegistry.class).find("nanogen.worker.request.path").gauges().stream()
        .filter(g -> g.value() == 1)
        .map(g -> g.getId().getTag("path"))
        .findFirst()
        .orElse(null);
  }

  private static Status readiness(ConfigurableApplicationContext worker) {
    return worker.getBean(HealthEndpoint.class).healthForPath("readiness").getStatus();
  }
}

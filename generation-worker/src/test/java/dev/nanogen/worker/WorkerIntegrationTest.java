package dev.nanogen.worker;

import static org.awaitility.Awaitility.await;

import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.Topics;
import dev.nanogen.testkit.ClaimsStandIn;
import dev.nanogen.testkit.KafkaProbe;
import dev.nanogen.testkit.SandboxAimlServer;
import dev.nanogen.testkit.TestInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The worker in its real setting: requests arrive through the real broker, the AIML sandbox answers
 * over real HTTP, outcomes are read back from the outcomes topic.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
abstract class WorkerIntegrationTest {
  static final String API_KEY = "worker-test-key";
  static final SandboxAimlServer SANDBOX = new SandboxAimlServer(0, API_KEY);
  static final String PUBLIC_BASE_URL = "https://nanogen.example";
  static final TestInfra.Database DATABASE = TestInfra.freshDatabase("nanogen_worker_test");

  /** No gateway runs here: the stand-in answers claims as the gateway would. */
  static final ClaimsStandIn CLAIMS = new ClaimsStandIn(TestInfra.kafkaBootstrap());

  /** Partitions of the topics these workers create: fewer than the workers ScaleOutTest runs. */
  static final int PARTITIONS = 2;

  /** The largest inline result these workers store. */
  static final long MAX_FILE_BYTES = 4096;

  @Autowired KafkaTemplate<String, String> kafka;
  @Autowired JsonMapper json;
  private KafkaProbe outcomes;

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    settings().forEach((name, value) -> registry.add(name, () -> value));
  }

  /** The settings of every worker these tests run (a second one, in ScaleOutTest, too). */
  static Map<String, Object> settings() {
    Map<String, Object> settings = new java.util.LinkedHashMap<>();
    settings.put("spring.datasource.url", DATABASE.url());
    settings.put("spring.datasource.username", DATABASE.username());
    settings.put("spring.datasource.password", DATABASE.password());
    settings.put("spring.kafka.bootstrap-servers", TestInfra.kafkaBootstrap());
    settings.put("nanogen.kafka.partitions", Integer.toString(PARTITIONS));
    settings.put("nanogen.files.public-base-url", PUBLIC_BASE_URL);
    settings.put("nanogen.aiml.base-url", SANDBOX.baseUrl());
    settings.put("nanogen.aiml.api-key", API_KEY);
    settings.put("nanogen.aiml.poll-interval", "50ms");
    settings.put("nanogen.aiml.retry-initial-interval", "50ms");
    settings.put("nanogen.aiml.retry-max-interval", "200ms");
    settings.put("nanogen.aiml.image-timeout", "1s");
    settings.put("nanogen.aiml.poll-timeout", "1s");
    // Small circuits, so the breaker test needs few calls; failing tests use models of their own.
    settings.put("nanogen.breaker.window", "4");
    settings.put("nanogen.breaker.minimum-calls", "4");
    settings.put("nanogen.breaker.open-for", "4s");
    settings.put("nanogen.breaker.half-open-calls", "1");
    settings.put("nanogen.worker.model-limits.capped", "2");
    settings.put("nanogen.worker.model-limits.halved", "2");
    settings.put("nanogen.worker.shutdown-grace", "2s");
    settings.put("nanogen.worker.claim-wait", "1s");
    settings.put("nanogen.files.max-bytes", Long.toString(MAX_FILE_BYTES));
    settings.put("nanogen.lease.duration", "2s");
    settings.put("nanogen.lease.renew-every", "250ms");
    // The sandbox serves its results over http on loopback.
    settings.put("nanogen.fetch.allow-private", "true");
    return settings;
  }

  @AfterAll
  static void stopSandbox() {
    SANDBOX.configure(Duration.ZERO, 0);
  }

  @BeforeEach
  void subscribe() {
    outcomes = new KafkaProbe(Topics.OUTCOMES);
  }

  @AfterEach
  void unsubscribe() {
    outcomes.close();
  }

  GenerationRequested request(ModelKind kind, String prompt, Duration deadline) {
    return request(
        kind, kind == ModelKind.IMAGE ? "flux-pro" : "kling-video", prompt, deadline, null);
  }

  /**
   * A request for catalog model {@code modelId}; with {@code taskId}, a resume of that provider
   * task.
   */
  GenerationRequested request(
      ModelKind kind, String modelId, String prompt, Duration deadline, String taskId) {
    return request(kind, modelId, prompt, deadline, taskId, 1);
  }

  /** A request that paid for {@code outputs} results. */
  GenerationRequested request(
      ModelKind kind,
      String modelId,
      String prompt,
      Duration deadline,
      String taskId,
      int outputs) {
    return new GenerationRequested(
        UUID.randomUUID(),
        Instant.now(),
        GenerationRequested.SCHEMA_VERSION,
        UUID.randomUUID(),
        1L,
        modelId,
        kind == ModelKind.IMAGE ? "flux-pro/v1.1" : "kling-video/v2.1",
        kind,
        prompt,
        Map.of("size", "1024x1024"),
        outputs,
        Instant.now().plus(deadline),
        taskId);
  }

  /** Makes {@code count} requests ({@code request} of their index) and sends each; answers them. */
  List<GenerationRequested> sendEach(int count, IntFunction<GenerationRequested> request)
      throws Exception {
    List<GenerationRequested> requests = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      GenerationRequested each = request.apply(i);
      requests.add(each);
      send(Topics.REQUESTS, each.generationId(), each);
    }
    return requests;
  }

  void send(String topic, UUID key, Record event) throws Exception {
    ProducerRecord<String, String> record =
        new ProducerRecord<>(topic, key.toString(), json.writeValueAsString(event));
    record
        .headers()
        .add(
            Topics.EVENT_TYPE_HEADER,
            event.getClass().getSimpleName().getBytes(StandardCharsets.UTF_8));
    kafka.send(record).get();
  }

  /** Outcomes of one generation, as (type, json) in order. */
  List<Outcome> outcomesOf(UUID id) {
    return events(outcomes, id.toString());
  }

  /**
   * Waits for the generation's final outcome (succeeded or failed) and returns all its outcomes.
   */
  List<Outcome> awaitEnd(UUID id, Duration atMost) {
    return await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> outcomesOf(id), list -> list.stream().anyMatch(Outcome::isEnd));
  }

  /** Records of a probe, as (type, json). */
  List<Outcome> events(KafkaProbe probe, String key) {
    return probe.withKey(key).stream()
        .map(
            r ->
                new Outcome(
                    new String(
                        r.headers().lastHeader(Topics.EVENT_TYPE_HEADER).value(),
                        StandardCharsets.UTF_8),
                    json.readTree(r.value())))
        .toList();
  }

  record Outcome(String type, JsonNode body) {
    boolean isEnd() {
      return type.equals("GenerationSucceeded") || type.equals("GenerationFailed");
    }
  }
}

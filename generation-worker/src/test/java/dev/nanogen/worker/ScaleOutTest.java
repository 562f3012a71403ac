package dev.nanogen.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.Topics;
import dev.nanogen.testkit.TestInfra;
import dev.nanogen.worker.config.ShareGroupConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;

/**
 * Four worker processes (three more Spring contexts, as further processes would be) on a requests
 * topic of {@value #PARTITIONS} partitions, all in the share group: every worker takes work — a
 * consumer group would leave two of them idle — and every request runs once; a stopping worker's
 * video is handed back and resumed without a second submission; a request held by a consumer that
 * dies without acknowledging it is redelivered to a worker.
 */
class ScaleOutTest extends WorkerIntegrationTest {
  static final int PARTITIONS = WorkerIntegrationTest.PARTITIONS;
  static final int WORKERS = 4;
  static final int WAVES = 6;
  static final int PER_WAVE = 40;

  @Autowired MeterRegistry meters;
  @Autowired KafkaListenerEndpointRegistry listeners;
  private final List<ConfigurableApplicationContext> others = new ArrayList<>();

  @BeforeEach
  void startMoreWorkers() {
    for (int i = 1; i < WORKERS; i++) {
      worker(settings());
    }
  }

  /** Starts one more worker process with these settings; closed after the test. */
  private ConfigurableApplicationContext worker(Map<String, Object> settings) {
    ConfigurableApplicationContext worker =
        new SpringApplicationBuilder(WorkerApplication.class)
            .web(WebApplicationType.NONE)
            .run(
                java.util.stream.Stream.concat(
                        settings.entrySet().stream()
                            .map(e -> "--" + e.getKey() + "=" + e.getValue()),
                        java.util.stream.Stream.of("--server.port=0", "--management.server.port=0"))
                    .toArray(String[]::new));
    others.add(worker);
    return worker;
  }

  @AfterEach
  void stopMoreWorkers() {
    others.forEach(ConfigurableApplicationContext::close);
    others.clear();
    requests(listeners).start();
  }

  @Test
  void four_workers_on_two_partitions_all_take_work_and_run_each_request_once() throws Exception {
    List<MeterRegistry> registries = new ArrayList<>(List.of(meters));
    others.forEach(c -> registries.add(c.getBean(MeterRegistry.class)));
    List<Long> before = registries.stream().map(ScaleOutTest::finished).toList();
    // In waves, since a worker that joined the group last may find the first wave taken: a share
    // group gives it the next ones, a consumer group (one consumer per partition) never would.
    List<GenerationRequested> requests = new ArrayList<>();
    for (int wave = 0; wave < WAVES && !allRan(registries, before); wave++) {
      int first = requests.size();
      List<GenerationRequested> sent =
          sendEach(
              PER_WAVE,
              i ->
                  request(
                      ModelKind.IMAGE,
                      "shared " + (first + i) + " [latency:300] " + System.nanoTime(),
                      Duration.ofMinutes(1)));
      for (GenerationRequested request : sent) {
        awaitEnd(request.generationId(), Duration.ofSeconds(90));
      }
      requests.addAll(sent);
    }

    long total = 0;
    for (int w = 0; w < WORKERS; w++) {
      long ran = finished(registries.get(w)) - before.get(w);
      assertThat(ran)
          .as(
              "requests run by worker "
                  + w
                  + " of "
                  + WORKERS
                  + " on "
                  + PARTITIONS
                  + " partitions")
          .isPositive();
      total += ran;
    }
    assertThat(total).isEqualTo(requests.size());
    for (GenerationRequested request : requests) {
      assertThat(SANDBOX.acceptedSubmissions(request.prompt())).as(request.prompt()).isEqualTo(1);
      assertThat(outcomesOf(request.generationId()).stream().filter(Outcome::isEnd)).hasSize(1);
    }
  }

  @Test
  void a_stopping_worker_hands_its_video_back_and_another_resumes_it_without_a_second_submission()
      throws Exception {
    // Only the last worker takes requests while the video is sent, so it is the one that stops.
    requests(listeners).stop();
    others
        .subList(0, others.size() - 1)
        .forEach(c -> requests(c.getBean(KafkaListenerEndpointRegistry.class)).stop());
    ConfigurableApplicationContext stopping = others.getLast();
    String prompt = "handover [seconds:6] " + System.nanoTime();
    GenerationRequested request =
        request(ModelKind.VIDEO, "kling-video", prompt, Duration.ofMinutes(2), null);
    send(Topics.REQUESTS, request.generationId(), request);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                outcomesOf(request.generationId()).stream()
                    .anyMatch(o -> o.body().path("provider_task_id").isString()));

    stopping.close(); // SIGTERM: the video hands its task back at its next poll
    others.remove(stopping);
    requests(listeners).start();

    List<Outcome> handedBack =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> outcomesOf(request.generationId()),
                list -> list.stream().anyMatch(o -> o.type().equals("GenerationHandedBack")));
    Outcome handBack =
        handedBack.stream()
            .filter(o -> o.type().equals("GenerationHandedBack"))
            .findFirst()
            .orElseThrow();
    String taskId = handBack.body().path("provider_task_id").asString();
    assertThat(taskId).startsWith("vid-");
    assertThat(handedBack.stream().filter(Outcome::isEnd))
        .as("no outcome from the stopped worker")
        .isEmpty();

    // What the gateway does on GenerationHandedBack: the request again, with the task id.
    GenerationRequested resume =
        new GenerationRequested(
            UUID.randomUUID(),
            request.occurredAt(),
            1,
            request.generationId(),
            request.userId(),
            request.modelId(),
            request.providerModel(),
            request.kind(),
            request.prompt(),
            request.params(),
            request.outputs(),
            request.deadline(),
            taskId);
    send(Topics.REQUESTS, request.generationId(), resume);

    List<Outcome> outcomes = awaitEnd(request.generationId(), Duration.ofSeconds(30));
    assertThat(outcomes.getLast().type()).isEqualTo("GenerationSucceeded");
    assertThat(SANDBOX.submissions(prompt)).isEqualTo(1);
  }

  @Test
  void a_stopping_worker_waits_for_the_image_call_it_sent_and_the_image_is_submitted_once()
      throws Exception {
    // A worker whose image calls may take 10 s, and the only one taking requests while the image
    // is sent; a second worker is up meanwhile, as in a rolling deploy.
    Map<String, Object> patient = new java.util.LinkedHashMap<>(settings());
    patient.put("nanogen.aiml.image-timeout", "10s");
    patient.put("nanogen.worker.shutdown-grace", "15s");
    requests(listeners).stop();
    others.forEach(c -> requests(c.getBean(KafkaListenerEndpointRegistry.class)).stop());
    ConfigurableApplicationContext stopping = worker(patient);
    String prompt = "deploy [latency:4000] " + System.nanoTime();
    GenerationRequested request =
        request(ModelKind.IMAGE, "flux-pro", prompt, Duration.ofMinutes(1), null);
    send(Topics.REQUESTS, request.generationId(), request);
    await().atMost(Duration.ofSeconds(20)).until(() -> SANDBOX.submissions(prompt) == 1);

    requests(listeners).start();
    stopping.close(); // SIGTERM with the image call in flight: waits for its answer

    List<Outcome> outcomes = awaitEnd(request.generationId(), Duration.ofSeconds(30));
    assertThat(outcomes.getLast().type()).isEqualTo("GenerationSucceeded");
    assertThat(outcomes.stream().map(Outcome::type))
        .contains("GenerationSubmitting")
        .doesNotContain("GenerationHandedBack");
    assertThat(SANDBOX.submissions(prompt)).isEqualTo(1);
  }

  @Test
  void a_request_held_by_a_consumer_that_dies_unacknowledged_is_redelivered_and_run_once()
      throws Exception {
    shortLocks(15_000);
    requests(listeners).stop();
    others.forEach(c -> requests(c.getBean(KafkaListenerEndpointRegistry.class)).stop());
    String prompt = "orphaned " + System.nanoTime();
    GenerationRequested request = request(ModelKind.IMAGE, prompt, Duration.ofMinutes(1));
    KafkaShareConsumer<String, String> dying =
        new KafkaShareConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.kafkaBootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, ShareGroupConfig.GROUP,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit"));
    try {
      dying.subscribe(List.of(Topics.REQUESTS));
      send(Topics.REQUESTS, request.generationId(), request);
      List<ConsumerRecord<String, String>> held = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                dying.poll(Duration.ofMillis(200)).forEach(held::add);
                return held.stream()
                    .anyMatch(r -> r.key().equals(request.generationId().toString()));
              });
      // The consumer now holds the request and never acknowledges it, as a killed worker would.
      requests(listeners).start();

      List<Outcome> outcomes = awaitEnd(request.generationId(), Duration.ofSeconds(60));
      assertThat(outcomes.getLast().type()).isEqualTo("GenerationSucceeded");
      assertThat(SANDBOX.acceptedSubmissions(prompt)).isEqualTo(1);
    } finally {
      shortLocks(30_000);
      dying.close(Duration.ZERO);
    }
  }

  /** Sets the share group's acquisition lock ({@code share.record.lock.duration.ms}). */
  private static void shortLocks(int millis) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.kafkaBootstrap()))) {
      var group =
          new org.apache.kafka.common.config.ConfigResource(
              org.apache.kafka.common.config.ConfigResource.Type.GROUP, ShareGroupConfig.GROUP);
      admin
          .incrementalAlterConfigs(
              Map.of(
                  group,
                  List.of(
                      new org.apache.kafka.clients.admin.AlterConfigOp(
                          new org.apache.kafka.clients.admin.ConfigEntry(
                              "share.record.lock.duration.ms", Integer.toString(millis)),
                          org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET))))
          .all()
          .get();
    }
  }

  private static org.springframework.kafka.listener.MessageListenerContainer requests(
      KafkaListenerEndpointRegistry registry) {
    return registry.getListenerContainer("worker-requests-share");
  }

  private static boolean allRan(List<MeterRegistry> registries, List<Long> before) {
    for (int w = 0; w < registries.size(); w++) {
      if (finished(registries.get(w)) == before.get(w)) {
        return false;
      }
    }
    return true;
  }

  private static long finished(MeterRegistry registry) {
    return registry.find("nanogen.worker.generations").timers().stream()
        .mapToLong(Timer::count)
        .sum();
  }
}

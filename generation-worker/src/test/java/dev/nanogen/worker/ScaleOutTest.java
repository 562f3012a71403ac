package dev.nanogen.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.Topics;
import dev.nanogen.testkit.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;

/**
 * Two worker processes in one consumer group (the second one a Spring context of its own, as a
 * second process would be): the partitions split, each request runs once, and a worker that stops
 * hands its video back with the task id, which the other resumes without a second submission.
 */
class ScaleOutTest extends WorkerIntegrationTest {
  @Autowired MeterRegistry meters;
  @Autowired KafkaListenerEndpointRegistry listeners;
  private ConfigurableApplicationContext second;

  @BeforeEach
  void startSecondWorker() {
    second =
        new SpringApplicationBuilder(WorkerApplication.class)
            .web(WebApplicationType.NONE)
            .run(settings().entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new));
    await().atMost(Duration.ofSeconds(60)).until(() ->
        !partitions(second.getBean(KafkaListenerEndpointRegistry.class)).isEmpty()
            && partitions(listeners).size() + partitions(second.getBean(KafkaListenerEndpointRegistry.class)).size() == TestInfra.PARTITIONS);
  }

  @AfterEach
  void stopSecondWorker() {
    if (second != null) {
      second.close();
    }
  }

  @Test
  void two_workers_split_the_requests_and_run_each_once() throws Exception {
    long firstBefore = finished(meters);
    long secondBefore = finished(second.getBean(MeterRegistry.class));
    List<GenerationRequested> requests = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      GenerationRequested request = request(ModelKind.IMAGE, "split " + i + " [latency:100] " + System.nanoTime(), Duration.ofMinutes(1));
      requests.add(request);
      send(Topics.REQUESTS, request.generationId(), request);
    }
    for (GenerationRequested request : requests) {
      awaitEnd(request.generationId(), Duration.ofSeconds(60));
    }

    long byFirst = finished(meters) - firstBefore;
    long bySecond = finished(second.getBean(MeterRegistry.class)) - secondBefore;
    assertThat(byFirst).as("run by the first worker").isPositive();
    assertThat(bySecond).as("run by the second worker").isPositive();
    assertThat(byFirst + bySecond).isEqualTo(40);
    for (GenerationRequested request : requests) {
      assertThat(SANDBOX.acceptedSubmissions(request.prompt())).as(request.prompt()).isEqualTo(1);
      assertThat(outcomesOf(request.generationId()).stream().filter(Outcome::isEnd)).hasSize(1);
    }
  }

  @Test
  void a_stopping_worker_hands_its_video_back_and_the_other_resumes_it_without_a_second_submission() throws Exception {
    Set<Integer> secondOwns =
        partitions(second.getBean(KafkaListenerEndpointRegistry.class)).stream().map(TopicPartition::partition).collect(Collectors.toSet());
    String prompt = "handover [seconds:6] " + System.nanoTime();
    GenerationRequested request = onPartitionOf(secondOwns, prompt);
    send(Topics.REQUESTS, request.generationId(), request);
    await().atMost(Duration.ofSeconds(20)).until(() ->
        outcomesOf(request.generationId()).stream().anyMatch(o -> o.body().path("provider_task_id").isString()));

    second.close(); // SIGTERM: the video hands its task back at its next poll
    second = null;

    List<Outcome> handedBack = await().atMost(Duration.ofSeconds(20)).until(() -> outcomesOf(request.generationId()),
        list -> list.stream().anyMatch(o -> o.type().equals("GenerationHandedBack")));
    Outcome handBack = handedBack.stream().filter(o -> o.type().equals("GenerationHandedBack")).findFirst().orElseThrow();
    String taskId = handBack.body().path("provider_task_id").asString();
    assertThat(taskId).startsWith("vid-");
    assertThat(handedBack.stream().filter(Outcome::isEnd)).as("no outcome from the stopped worker").isEmpty();

    // What the gateway does on GenerationHandedBack: the request again, with the task id.
    GenerationRequested resume = new GenerationRequested(UUID.randomUUID(), request.occurredAt(), 1, request.generationId(),
        request.userId(), request.modelId(), request.providerModel(), request.kind(), request.prompt(), request.params(),
        request.outputs(), request.deadline(), taskId);
    send(Topics.REQUESTS, request.generationId(), resume);

    List<Outcome> outcomes = awaitEnd(request.generationId(), Duration.ofSeconds(30));
    assertThat(outcomes.getLast().type()).isEqualTo("GenerationSucceeded");
    assertThat(SANDBOX.submissions(prompt)).isEqualTo(1);
  }

  /** A video request whose key lands on one of {@code partitions} (Kafka's default partitioner). */
  private GenerationRequested onPartitionOf(Set<Integer> partitions, String prompt) {
    while (true) {
      GenerationRequested request = request(ModelKind.VIDEO, "kling-video", prompt, Duration.ofMinutes(2), null);
      byte[] key = request.generationId().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      if (partitions.contains(Utils.toPositive(Utils.murmur2(key)) % TestInfra.PARTITIONS)) {
        return request;
      }
    }
  }

  private static List<TopicPartition> partitions(KafkaListenerEndpointRegistry registry) {
    var container = registry.getListenerContainer("worker-requests");
    return container == null || container.getAssignedPartitions() == null ? List.of() : List.copyOf(container.getAssignedPartitions());
  }

  private static long finished(MeterRegistry registry) {
    return registry.find("nanogen.worker.generations").timers().stream().mapToLong(Timer::count).sum();
  }
}

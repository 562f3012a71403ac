package dev.nanogen.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.Topics;
import dev.nanogen.model.WorkerHeartbeat;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A model's concurrency cap, global to all workers: requests above this worker's share wait in
 * Kafka and start as slots free up or as other workers' leases end.
 */
class CapacityTest extends WorkerIntegrationTest {
  @Autowired MeterRegistry meters;

  @BeforeEach
  void aloneAfterOtherTestsWorkers() {
    // Workers of other tests (ScaleOutTest's) hold their 2 s lease a moment after they stopped.
    await().atMost(Duration.ofSeconds(20)).until(() -> liveWorkers() == 1);
  }

  @Test
  void a_model_at_its_cap_starts_no_more_until_a_generation_ends() throws Exception {
    // Model "capped" may run 2 at once (nanogen.worker.model-limits.capped=2); this worker is
    // alone.
    List<GenerationRequested> requests =
        sendEach(
            5,
            i ->
                request(
                    ModelKind.VIDEO,
                    "capped",
                    "capped " + i + " [seconds:8] " + System.nanoTime(),
                    Duration.ofMinutes(5),
                    null));

    await().atMost(Duration.ofSeconds(20)).until(() -> started(requests).size() == 2);
    // Give the three others every chance to be (wrongly) admitted: several nack pauses.
    await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
    List<GenerationRequested> first = started(requests);
    assertThat(first).hasSize(2);
    assertThat(requests.stream().mapToInt(r -> SANDBOX.submissions(r.prompt())).sum()).isEqualTo(2);

    // Each video completes 8 s after its submission, freeing its slot.
    await().atMost(Duration.ofSeconds(20)).until(() -> started(requests).size() == 4);
    await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
    assertThat(started(requests)).hasSize(4);
    assertThat(requests.stream().mapToInt(r -> SANDBOX.submissions(r.prompt())).sum()).isEqualTo(4);
  }

  @Test
  void with_a_second_live_worker_this_one_runs_half_of_a_models_cap() throws Exception {
    // Model "halved" may run 2 at once over all workers. Another worker's heartbeat holds a 15 s
    // lease: meanwhile this worker's share is 2 / 2.
    Instant beat = Instant.now();
    send(
        Topics.HEARTBEATS,
        UUID.randomUUID(),
        new WorkerHeartbeat(
            UUID.randomUUID(), beat, WorkerHeartbeat.SCHEMA_VERSION, UUID.randomUUID(), 15));
    await().atMost(Duration.ofSeconds(5)).until(() -> liveWorkers() == 2);
    List<GenerationRequested> requests =
        sendEach(
            3,
            i ->
                request(
                    ModelKind.VIDEO,
                    "halved",
                    "halved " + i + " [seconds:45] " + System.nanoTime(),
                    Duration.ofMinutes(5),
                    null));
    await().atMost(Duration.ofSeconds(10)).until(() -> started(requests).size() == 1);
    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
    assertThat(Instant.now())
        .as("still within the other worker's lease")
        .isBefore(beat.plusSeconds(15));
    assertThat(started(requests)).hasSize(1);

    // The other lease runs out while the first video runs on (45 s): the whole cap is this
    // worker's.
    await().atMost(Duration.ofSeconds(20)).until(() -> liveWorkers() == 1);
    await().atMost(Duration.ofSeconds(15)).until(() -> started(requests).size() == 2);
    assertThat(
            started(requests).stream()
                .flatMap(r -> outcomesOf(r.generationId()).stream())
                .noneMatch(Outcome::isEnd))
        .as("the second started beside the first, not in its place")
        .isTrue();
    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
    assertThat(started(requests)).hasSize(2);
    assertThat(requests.stream().mapToInt(r -> SANDBOX.submissions(r.prompt())).sum()).isEqualTo(2);
  }

  private double liveWorkers() {
    return meters.get("nanogen.worker.live").gauge().value();
  }

  private List<GenerationRequested> started(List<GenerationRequested> requests) {
    return requests.stream().filter(r -> !outcomesOf(r.generationId()).isEmpty()).toList();
  }
}

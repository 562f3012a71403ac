package dev.nanogen.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A model's concurrency cap: requests above it wait in Kafka and start as slots free up. */
class CapacityTest extends WorkerIntegrationTest {

  @Test
  void a_model_at_its_cap_starts_no_more_until_a_generation_ends() throws Exception {
    // Model "capped" may run 2 at once in this worker (nanogen.worker.model-limits.capped=2).
    List<GenerationRequested> requests = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      GenerationRequested request =
          request(ModelKind.VIDEO, "capped", "capped " + i + " [seconds:8] " + System.nanoTime(), Duration.ofMinutes(5), null);
      requests.add(request);
      send(Topics.REQUESTS, request.generationId(), request);
    }

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

  private List<GenerationRequested> started(List<GenerationRequested> requests) {
    return requests.stream().filter(r -> !outcomesOf(r.generationId()).isEmpty()).toList();
  }
}

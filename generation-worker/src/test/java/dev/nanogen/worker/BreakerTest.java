package dev.nanogen.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.Topics;
import dev.nanogen.testkit.KafkaProbe;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A model whose provider keeps failing: its circuit opens, calls stop, the gateway is told; then it
 * heals.
 */
class BreakerTest extends WorkerIntegrationTest {

  @Test
  void a_failing_model_opens_its_circuit_stops_calling_and_closes_once_the_provider_answers()
      throws Exception {
    // The worker takes requests at once (its context may just have been resumed): the doomed
    // request's 2.5 s are all for its own tries.
    GenerationRequested warmUp =
        request(ModelKind.IMAGE, "warm-up " + System.nanoTime(), Duration.ofMinutes(1));
    send(Topics.REQUESTS, warmUp.generationId(), warmUp);
    awaitEnd(warmUp.generationId(), Duration.ofSeconds(30));
    try (KafkaProbe models = new KafkaProbe(Topics.MODELS)) {
      String failing = "outage [fail:503] " + System.nanoTime();
      GenerationRequested doomed =
          request(ModelKind.IMAGE, "fragile", failing, Duration.ofMillis(2500), null);
      send(Topics.REQUESTS, doomed.generationId(), doomed);

      List<Outcome> outcomes = awaitEnd(doomed.generationId(), Duration.ofSeconds(30));
      assertThat(outcomes.getLast().body().path("error_code").asString()).isEqualTo("TIMEOUT");
      // The circuit (window 4, open for 4 s) opened after the 4th failure: no call while it was
      // open.
      assertThat(SANDBOX.submissions(failing)).isEqualTo(4);
      List<Outcome> changes =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> events(models, "fragile"), list -> !list.isEmpty());
      assertThat(changes.getFirst().type()).isEqualTo("ModelAvailabilityChanged");
      assertThat(changes.getFirst().body().path("available").asBoolean()).isFalse();
      assertThat(changes.getFirst().body().path("until").isNull()).isFalse();

      // The provider answers again: a trial call after the open period closes the circuit.
      GenerationRequested healthy =
          request(
              ModelKind.IMAGE,
              "fragile",
              "healed " + System.nanoTime(),
              Duration.ofMinutes(1),
              null);
      send(Topics.REQUESTS, healthy.generationId(), healthy);
      assertThat(awaitEnd(healthy.generationId(), Duration.ofSeconds(30)).getLast().type())
          .isEqualTo("GenerationSucceeded");
      List<Outcome> after =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> events(models, "fragile"), list -> list.size() == 2);
      assertThat(after.get(1).body().path("available").asBoolean()).isTrue();
    }
  }
}

package dev.nanogen.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.Topics;
import dev.nanogen.testkit.KafkaProbe;
import dev.nanogen.testkit.SandboxAimlServer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Two provider routes, {@code a} (priority) and {@code b}, each an AIML API of its own: a
 * submission route {@code a} certainly did not take (5xx, 429) completes on {@code b}, once; a
 * video {@code a} accepted is polled on {@code a} until its deadline and never submitted to {@code
 * b}; the model is announced unavailable only when both routes' circuits are open; each success
 * names its route and what it cost.
 */
@DirtiesContext
class RoutesTest extends WorkerIntegrationTest {
  static final String KEY_A = "route-a-key";
  static final String KEY_B = "route-b-key";
  static final SandboxAimlServer A = new SandboxAimlServer(0, KEY_A);
  static final SandboxAimlServer B = new SandboxAimlServer(0, KEY_B);

  @Autowired MeterRegistry meters;

  @DynamicPropertySource
  static void routes(DynamicPropertyRegistry registry) {
    registry.add("nanogen.providers[0].name", () -> "a");
    registry.add("nanogen.providers[0].base-url", A::baseUrl);
    registry.add("nanogen.providers[0].api-key", () -> KEY_A);
    registry.add("nanogen.providers[0].cost-per-result", () -> "0.03");
    registry.add("nanogen.providers[1].name", () -> "b");
    registry.add("nanogen.providers[1].base-url", B::baseUrl);
    registry.add("nanogen.providers[1].api-key", () -> KEY_B);
    registry.add("nanogen.providers[1].cost-per-result", () -> "0.04");
  }

  @AfterEach
  void heal() {
    A.configure(Duration.ZERO, 0);
    B.configure(Duration.ZERO, 0);
  }

  @AfterAll
  static void close() {
    A.close();
    B.close();
  }

  @Test
  void submissions_route_a_refuses_with_5xx_complete_on_route_b_once_and_never_close_the_model()
      throws Exception {
    A.configure(Duration.ZERO, 1.0); // every call to a answers 500
    try (KafkaProbe models = new KafkaProbe(Topics.MODELS)) {
      List<GenerationRequested> requests =
          sendEach(
              6,
              i ->
                  request(
                      ModelKind.IMAGE,
                      "routed-5xx",
                      "a down " + i + " " + System.nanoTime(),
                      Duration.ofMinutes(1),
                      null));
      for (GenerationRequested request : requests) {
        Outcome end = awaitEnd(request.generationId(), Duration.ofSeconds(30)).getLast();
        assertThat(end.type()).isEqualTo("GenerationSucceeded");
        assertThat(end.body().path("route").asString()).isEqualTo("b");
        assertThat(end.body().path("provider_cost").decimalValue()).isEqualByComparingTo("0.04");
        assertThat(A.acceptedSubmissions(request.prompt())).isZero();
        assertThat(B.acceptedSubmissions(request.prompt())).isEqualTo(1);
      }
      // a's circuit for the model opened (window 4), b's did not: the model stays available.
      assertThat(circuitOpen("a/routed-5xx")).isTrue();
      assertThat(circuitOpen("b/routed-5xx")).isFalse();
      await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true);
      assertThat(events(models, "routed-5xx")).isEmpty();
    }
  }

  @Test
  void a_429_on_route_a_sends_the_submission_to_route_b_and_the_next_ones_too_while_a_rests()
      throws Exception {
    A.burst429(1);
    GenerationRequested first =
        request(
            ModelKind.IMAGE,
            "routed-429",
            "quota " + System.nanoTime(),
            Duration.ofMinutes(1),
            null);
    send(Topics.REQUESTS, first.generationId(), first);
    assertThat(
            awaitEnd(first.generationId(), Duration.ofSeconds(30))
                .getLast()
                .body()
                .path("route")
                .asString())
        .isEqualTo("b");
    assertThat(A.submissions(first.prompt())).isEqualTo(1); // the 429
    assertThat(A.acceptedSubmissions(first.prompt())).isZero();

    GenerationRequested next =
        request(
            ModelKind.IMAGE,
            "routed-429",
            "after quota [cost:0.07] " + System.nanoTime(),
            Duration.ofMinutes(1),
            null);
    send(Topics.REQUESTS, next.generationId(), next);
    Outcome end = awaitEnd(next.generationId(), Duration.ofSeconds(30)).getLast();
    assertThat(end.body().path("route").asString()).isEqualTo("b");
    assertThat(A.submissions(next.prompt())).as("a rests after its 429").isZero();
    assertThat(end.body().path("provider_cost").decimalValue())
        .as("the provider's own figure")
        .isEqualByComparingTo("0.07");
  }

  @Test
  void a_video_route_a_accepted_is_polled_there_until_its_deadline_and_never_submitted_to_b()
      throws Exception {
    GenerationRequested request =
        request(
            ModelKind.VIDEO,
            "routed-video",
            "stays on a [seconds:60] " + System.nanoTime(),
            Duration.ofSeconds(12),
            null);
    send(Topics.REQUESTS, request.generationId(), request);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                outcomesOf(request.generationId()).stream()
                    .anyMatch(
                        o ->
                            o.type().equals("GenerationStarted")
                                && !o.body().path("provider_task_id").isNull()));
    Outcome accepted =
        outcomesOf(request.generationId()).stream()
            .filter(
                o ->
                    o.type().equals("GenerationStarted")
                        && !o.body().path("provider_task_id").isNull())
            .findFirst()
            .orElseThrow();
    assertThat(accepted.body().path("route").asString()).isEqualTo("a");

    A.configure(Duration.ZERO, 1.0); // a goes down after accepting the task

    Outcome end = awaitEnd(request.generationId(), Duration.ofSeconds(30)).getLast();
    assertThat(end.type()).isEqualTo("GenerationFailed");
    assertThat(end.body().path("error_code").asString()).isEqualTo("TIMEOUT");
    assertThat(A.acceptedSubmissions(request.prompt())).isEqualTo(1);
    assertThat(B.submissions(request.prompt())).as("never resubmitted elsewhere").isZero();
  }

  @Test
  void the_model_is_unavailable_only_when_every_route_is() throws Exception {
    try (KafkaProbe models = new KafkaProbe(Topics.MODELS)) {
      GenerationRequested doomed =
          request(
              ModelKind.IMAGE,
              "routed-down",
              "both down [fail:503] " + System.nanoTime(),
              Duration.ofMillis(3000),
              null);
      send(Topics.REQUESTS, doomed.generationId(), doomed);
      assertThat(
              awaitEnd(doomed.generationId(), Duration.ofSeconds(30))
                  .getLast()
                  .body()
                  .path("error_code")
                  .asString())
          .isEqualTo("TIMEOUT");
      assertThat(circuitOpen("a/routed-down")).isTrue();
      assertThat(circuitOpen("b/routed-down")).isTrue();
      List<Outcome> changes =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> events(models, "routed-down"), list -> !list.isEmpty());
      assertThat(changes).hasSize(1);
      assertThat(changes.getFirst().body().path("available").asBoolean()).isFalse();
    }
  }

  private boolean circuitOpen(String name) {
    return meters
        .find("resilience4j.circuitbreaker.state")
        .tag("name", name)
        .tag("state", "open")
        .gauges()
        .stream()
        .anyMatch(g -> g.value() == 1.0);
  }
}

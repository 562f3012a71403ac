package dev.nanogen.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.Topics;
import dev.nanogen.testkit.KafkaProbe;
import dev.nanogen.testkit.SandboxAimlServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

class RunGenerationTest extends WorkerIntegrationTest {
  @Autowired dev.nanogen.worker.lease.WorkerLease lease;

  @Autowired JdbcClient jdbc;

  private List<Outcome> run(ModelKind kind, String prompt, Duration deadline) throws Exception {
    return run(request(kind, prompt, deadline));
  }

  private List<Outcome> run(GenerationRequested request) throws Exception {
    send(Topics.REQUESTS, request.generationId(), request);
    return awaitEnd(request.generationId(), Duration.ofSeconds(30));
  }

  private static Outcome last(List<Outcome> outcomes) {
    return outcomes.getLast();
  }

  @Test
  void an_image_result_is_copied_before_success_and_named_by_a_gateway_url() throws Exception {
    GenerationRequested request =
        request(ModelKind.IMAGE, "img data " + System.nanoTime(), Duration.ofMinutes(1));
    List<Outcome> outcomes = run(request);

    assertThat(outcomes.getFirst().type()).isEqualTo("GenerationStarted");
    assertThat(last(outcomes).type()).isEqualTo("GenerationSucceeded");
    String url = last(outcomes).body().path("result_urls").get(0).asString();
    assertThat(url).matches(PUBLIC_BASE_URL + "/files/[0-9a-f-]{36}\\.png");
    assertThat(stored(url).get("generation_id")).isEqualTo(request.generationId());
    assertThat((byte[]) stored(url).get("content")).isEqualTo(SandboxAimlServer.PNG);
  }

  @Test
  void a_result_over_the_size_cap_is_not_kept_and_fails_the_generation() throws Exception {
    GenerationRequested request =
        request(
            ModelKind.IMAGE,
            "large link [result-bytes:" + (MAX_FILE_BYTES + 1) + "] " + System.nanoTime(),
            Duration.ofMinutes(1));
    List<Outcome> outcomes = run(request);

    assertThat(last(outcomes).type()).isEqualTo("GenerationFailed");
    assertThat(last(outcomes).body().path("error_code").asString())
        .isEqualTo("PROVIDER_BAD_RESULT");
    assertThat(keptFiles(request)).isZero();
  }

  private long keptFiles(GenerationRequested request) {
    return jdbc.sql("SELECT count(*) FROM files.result_files WHERE generation_id = :g")
        .param("g", request.generationId())
        .query(Long.class)
        .single();
  }

  private java.util.Map<String, Object> stored(String url) {
    String id = url.substring(url.lastIndexOf('/') + 1, url.lastIndexOf('.'));
    return jdbc.sql(
            "SELECT generation_id, content_type, size, store, content FROM files.result_files WHERE id = :id::uuid")
        .param("id", id)
        .query()
        .singleRow();
  }

  @Test
  void an_image_succeeds_with_the_images_shape() throws Exception {
    List<Outcome> outcomes =
        run(
            ModelKind.IMAGE,
            "img shape [shape:images] " + System.nanoTime(),
            Duration.ofMinutes(1));

    assertThat(last(outcomes).type()).isEqualTo("GenerationSucceeded");
    assertThat(last(outcomes).body().path("result_urls")).hasSize(1);
  }

  @Test
  void a_video_succeeds_after_its_polls_and_is_submitted_once() throws Exception {
    String prompt = "video [polls:4] " + System.nanoTime();
    List<Outcome> outcomes = run(ModelKind.VIDEO, prompt, Duration.ofMinutes(1));

    assertThat(outcomes.get(0).type()).isEqualTo("GenerationStarted");
    assertThat(outcomes.get(0).body().path("provider_task_id").isNull())
        .as("announced before the submission")
        .isTrue();
    assertThat(outcomes.get(1).type())
        .as("the granted claim's submission announced before the provider call")
        .isEqualTo("GenerationSubmitting");
    assertThat(outcomes.get(1).body().path("claim_id").asString())
        .isEqualTo(outcomes.get(0).body().path("claim_id").asString());
    assertThat(outcomes.get(2).type()).isEqualTo("GenerationStarted");
    assertThat(outcomes.get(2).body().path("provider_task_id").asString()).startsWith("vid-");
    assertThat(last(outcomes).type()).isEqualTo("GenerationSucceeded");
    String url = last(outcomes).body().path("result_urls").get(0).asString();
    assertThat(url).startsWith(PUBLIC_BASE_URL + "/files/").endsWith(".mp4");
    assertThat(stored(url).get("content_type")).isEqualTo("video/mp4");
    assertThat(SANDBOX.submissions(prompt)).isEqualTo(1);
  }

  @Test
  void every_started_names_this_worker_whose_heartbeats_renew_its_lease() throws Exception {
    try (KafkaProbe heartbeats = new KafkaProbe(Topics.HEARTBEATS)) {
      List<Outcome> outcomes =
          run(ModelKind.VIDEO, "leased [polls:2] " + System.nanoTime(), Duration.ofMinutes(1));

      String worker = lease.workerId().toString();
      List<Outcome> started =
          outcomes.stream().filter(o -> o.type().equals("GenerationStarted")).toList();
      assertThat(started)
          .hasSize(2)
          .allSatisfy(o -> assertThat(o.body().path("worker_id").asString()).isEqualTo(worker));
      List<Outcome> beats =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> events(heartbeats, worker), list -> list.size() >= 3);
      assertThat(beats)
          .allSatisfy(
              b -> {
                assertThat(b.type()).isEqualTo("WorkerHeartbeat");
                assertThat(b.body().path("lease_seconds").asInt()).isEqualTo(2);
              });
    }
  }

  @Test
  void rate_limited_twice_then_success() throws Exception {
    String prompt = "busy [429x2] " + System.nanoTime();
    List<Outcome> outcomes = run(ModelKind.IMAGE, prompt, Duration.ofMinutes(1));

    assertThat(last(outcomes).type()).isEqualTo("GenerationSucceeded");
    assertThat(SANDBOX.submissions(prompt)).isEqualTo(3);
  }

  @Test
  void a_quota_burst_of_429s_is_waited_out_and_never_opens_the_circuit() throws Exception {
    String prompt = "burst " + System.nanoTime();
    SANDBOX.burst429(5);
    try (KafkaProbe models = new KafkaProbe(Topics.MODELS)) {
      List<Outcome> outcomes =
          run(request(ModelKind.IMAGE, "bursty", prompt, Duration.ofMinutes(1), null));

      assertThat(last(outcomes).type()).isEqualTo("GenerationSucceeded");
      assertThat(SANDBOX.submissions(prompt)).isEqualTo(6);
      // 429 is the quota, not an outage: the circuit (opens after 4 failures) never opened.
      assertThat(events(models, "bursty")).isEmpty();
    } finally {
      SANDBOX.burst429(0);
    }
  }

  @Test
  void a_400_fails_at_once_with_provider_rejected() throws Exception {
    String prompt = "bad [fail:400] " + System.nanoTime();
    List<Outcome> outcomes = run(ModelKind.IMAGE, prompt, Duration.ofMinutes(1));

    assertThat(last(outcomes).type()).isEqualTo("GenerationFailed");
    assertThat(last(outcomes).body().path("error_code").asString()).isEqualTo("PROVIDER_REJECTED");
    assertThat(SANDBOX.submissions(prompt)).isEqualTo(1);
  }

  @Test
  void a_401_fails_at_once_with_provider_auth() throws Exception {
    List<Outcome> outcomes =
        run(ModelKind.IMAGE, "auth [fail:401] " + System.nanoTime(), Duration.ofMinutes(1));

    assertThat(last(outcomes).body().path("error_code").asString()).isEqualTo("PROVIDER_AUTH");
  }

  @Test
  void a_5xx_until_the_deadline_fails_with_timeout() throws Exception {
    String prompt = "down [fail:503] " + System.nanoTime();
    List<Outcome> outcomes =
        run(request(ModelKind.IMAGE, "down-model", prompt, Duration.ofSeconds(2), null));

    assertThat(last(outcomes).type()).isEqualTo("GenerationFailed");
    assertThat(last(outcomes).body().path("error_code").asString()).isEqualTo("TIMEOUT");
    assertThat(SANDBOX.submissions(prompt)).isGreaterThan(1);
  }

  @Test
  void a_redirect_from_the_provider_is_not_followed_and_the_key_goes_nowhere_else()
      throws Exception {
    String prompt = "moved [redirect] " + System.nanoTime();
    List<Outcome> outcomes = run(ModelKind.IMAGE, prompt, Duration.ofMinutes(1));

    assertThat(last(outcomes).type()).isEqualTo("GenerationFailed");
    assertThat(last(outcomes).body().path("error_code").asString())
        .isEqualTo("PROVIDER_BAD_RESPONSE");
    assertThat(SANDBOX.redirectedCalls()).isZero();
    assertThat(SANDBOX.submissions(prompt)).isEqualTo(1);
  }

  @Test
  void a_malformed_answer_fails_without_a_second_submission() throws Exception {
    String prompt = "garbled [malformed] " + System.nanoTime();
    List<Outcome> outcomes = run(ModelKind.IMAGE, prompt, Duration.ofMinutes(1));

    assertThat(last(outcomes).body().path("error_code").asString())
        .isEqualTo("PROVIDER_BAD_RESPONSE");
    assertThat(SANDBOX.submissions(prompt)).isEqualTo(1);
  }

  @Test
  void a_call_sent_without_an_answer_times_out_and_is_never_sent_again() throws Exception {
    String prompt = "hang [hang] " + System.nanoTime();
    List<Outcome> outcomes =
        run(request(ModelKind.IMAGE, "hang-model", prompt, Duration.ofSeconds(3), null));

    assertThat(last(outcomes).body().path("error_code").asString()).isEqualTo("TIMEOUT");
    // The image time-out (1 s here) passed with the provider perhaps at work: not sent again.
    assertThat(SANDBOX.submissions(prompt)).isEqualTo(1);
  }

  @Test
  void an_inline_b64_image_is_stored_and_named_by_a_gateway_url() throws Exception {
    GenerationRequested request =
        request(ModelKind.IMAGE, "inline [b64] " + System.nanoTime(), Duration.ofMinutes(1));
    List<Outcome> outcomes = run(request);

    assertThat(last(outcomes).type()).isEqualTo("GenerationSucceeded");
    String url = last(outcomes).body().path("result_urls").get(0).asString();
    assertThat(url).matches(PUBLIC_BASE_URL + "/files/[0-9a-f-]{36}\\.png");
    String id = url.substring(url.lastIndexOf('/') + 1, url.lastIndexOf('.'));
    var stored =
        jdbc.sql(
                "SELECT generation_id, content_type, content FROM files.result_files WHERE id = :id::uuid")
            .param("id", id)
            .query()
            .singleRow();
    assertThat(stored.get("generation_id")).isEqualTo(request.generationId());
    assertThat(stored.get("content_type")).isEqualTo("image/png");
    assertThat((byte[]) stored.get("content"))
        .startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
  }

  @Test
  void a_resume_polls_the_existing_task_and_submits_nothing() throws Exception {
    String prompt = "resumed [polls:3] " + System.nanoTime();
    String taskId = SANDBOX.submitVideoDirectly(prompt);

    List<Outcome> outcomes =
        run(request(ModelKind.VIDEO, "kling-video", prompt, Duration.ofMinutes(1), taskId));

    assertThat(outcomes.getFirst().body().path("provider_task_id").asString()).isEqualTo(taskId);
    assertThat(last(outcomes).type()).isEqualTo("GenerationSucceeded");
    assertThat(SANDBOX.submissions(prompt))
        .as("only the submission made before the 'crash'")
        .isEqualTo(1);
  }

  @Test
  void a_video_that_errors_at_the_provider_fails() throws Exception {
    List<Outcome> outcomes =
        run(ModelKind.VIDEO, "err [video-error] " + System.nanoTime(), Duration.ofMinutes(1));

    assertThat(last(outcomes).body().path("error_code").asString())
        .isEqualTo("PROVIDER_GENERATION_FAILED");
  }

  @Test
  void a_refused_claim_is_never_submitted_and_publishes_no_outcome() throws Exception {
    String prompt = "refused " + System.nanoTime();
    GenerationRequested request = request(ModelKind.VIDEO, prompt, Duration.ofMinutes(5));
    CLAIMS.refuse(request.generationId());
    send(Topics.REQUESTS, request.generationId(), request);
    await().atMost(Duration.ofSeconds(20)).until(() -> CLAIMS.claimsOf(request.generationId()) > 0);

    // The worker is free again: a later request completes, and the refused one reached nobody.
    List<Outcome> next =
        run(ModelKind.IMAGE, "after refusal " + System.nanoTime(), Duration.ofMinutes(1));

    assertThat(last(next).type()).isEqualTo("GenerationSucceeded");
    assertThat(SANDBOX.submissions(prompt)).isZero();
    assertThat(outcomesOf(request.generationId()))
        .extracting(Outcome::type)
        .containsOnly("GenerationStarted");
  }

  @Test
  void only_the_images_paid_for_are_kept() throws Exception {
    List<Outcome> one =
        run(
            request(
                ModelKind.IMAGE,
                "flux-pro",
                "four [images:4] " + System.nanoTime(),
                Duration.ofMinutes(1),
                null,
                1));
    List<Outcome> two =
        run(
            request(
                ModelKind.IMAGE,
                "flux-pro",
                "four [images:4] " + System.nanoTime(),
                Duration.ofMinutes(1),
                null,
                2));

    assertThat(last(one).body().path("result_urls")).hasSize(1);
    assertThat(last(two).body().path("result_urls")).hasSize(2);
  }

  @Test
  void a_result_url_that_is_not_http_fails_the_generation_as_a_bad_result() throws Exception {
    for (String scheme : List.of("javascript", "file", "data")) {
      List<Outcome> image =
          run(
              ModelKind.IMAGE,
              "bad [bad-url:" + scheme + "] " + System.nanoTime(),
              Duration.ofMinutes(1));
      List<Outcome> video =
          run(
              ModelKind.VIDEO,
              "bad [bad-url:" + scheme + "] " + System.nanoTime(),
              Duration.ofMinutes(1));

      assertThat(last(image).type()).isEqualTo("GenerationFailed");
      assertThat(last(image).body().path("error_code").asString()).isEqualTo("PROVIDER_BAD_RESULT");
      assertThat(last(video).body().path("error_code").asString()).isEqualTo("PROVIDER_BAD_RESULT");
    }
  }

  @Test
  void an_inline_result_over_the_size_limit_is_not_stored_and_fails_the_generation()
      throws Exception {
    GenerationRequested request =
        request(
            ModelKind.IMAGE,
            "huge [b64-bytes:" + (MAX_FILE_BYTES + 1) + "] " + System.nanoTime(),
            Duration.ofMinutes(1));
    List<Outcome> outcomes = run(request);

    assertThat(last(outcomes).body().path("error_code").asString())
        .isEqualTo("PROVIDER_BAD_RESULT");
    assertThat(keptFiles(request)).isZero();
  }

  @Test
  void an_unreadable_request_goes_to_the_dead_letter_topic_and_the_partition_moves_on()
      throws Exception {
    GenerationRequested next =
        request(ModelKind.IMAGE, "after garbage " + System.nanoTime(), Duration.ofMinutes(1));
    try (KafkaProbe dead = new KafkaProbe(Topics.REQUESTS + Topics.DLT_SUFFIX)) {
      ProducerRecord<String, String> garbage =
          new ProducerRecord<>(Topics.REQUESTS, next.generationId().toString(), "{not json");
      garbage
          .headers()
          .add(Topics.EVENT_TYPE_HEADER, "GenerationRequested".getBytes(StandardCharsets.UTF_8));
      kafka.send(garbage).get();
      send(Topics.REQUESTS, next.generationId(), next);

      assertThat(last(awaitEnd(next.generationId(), Duration.ofSeconds(30))).type())
          .isEqualTo("GenerationSucceeded");
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> dead.withKey(next.generationId().toString()).size() == 1);
      assertThat(dead.withKey(next.generationId().toString()).getFirst().value())
          .isEqualTo("{not json");
    }
  }

  @Test
  void a_duplicate_request_is_not_run_twice_by_one_worker() throws Exception {
    String prompt = "dup " + System.nanoTime();
    GenerationRequested request = request(ModelKind.IMAGE, prompt, Duration.ofMinutes(1));
    send(Topics.REQUESTS, request.generationId(), request);
    awaitEnd(request.generationId(), Duration.ofSeconds(30));

    send(Topics.REQUESTS, request.generationId(), request);
    // A later request on the same key (same partition, same consumer) proves the duplicate was
    // consumed.
    GenerationRequested marker =
        new GenerationRequested(
            UUID.randomUUID(),
            Instant.now(),
            1,
            request.generationId(),
            1L,
            "x",
            "x",
            ModelKind.IMAGE,
            "marker",
            Map.of(),
            1,
            Instant.now().plusSeconds(60),
            null);
    send(Topics.REQUESTS, request.generationId(), marker);
    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);

    assertThat(SANDBOX.submissions(prompt)).isEqualTo(1);
    assertThat(SANDBOX.submissions("marker")).isZero();
    assertThat(outcomesOf(request.generationId()).stream().filter(Outcome::isEnd)).hasSize(1);
  }
}

package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.model.GenerationStarted;
import dev.nanogen.model.Topics;
import dev.nanogen.testkit.KafkaProbe;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a user could try to get from the provider for free: params the catalog does not price, a
 * cancel after the provider has the job. Each attempt goes through HTTP and the real broker.
 */
class ProviderBoundaryTest extends IntegrationTest {
  @Autowired JsonMapper json;

  private HttpResponse<String> start(long user, String model, Map<String, Object> params) {
    return post(
        "/api/generation/start",
        user,
        Map.of("model_id", model, "prompt", "boundary " + UUID.randomUUID(), "params", params),
        Map.of());
  }

  private long available(long user) {
    return json(get("/api/me", user)).path("credits_available").asLong();
  }

  private long generations(long user) {
    return jdbc.sql("SELECT count(*) FROM generations WHERE user_id = :u")
        .param("u", user)
        .query(Long.class)
        .single();
  }

  private JsonNode requestOf(UUID id) {
    String payload =
        jdbc.sql(
                "SELECT payload FROM outbox WHERE message_key = :k AND event_type = 'GenerationRequested' ORDER BY id LIMIT 1")
            .param("k", id.toString())
            .query(String.class)
            .single();
    return JSON.readTree(payload);
  }

  private void claim(UUID id, UUID claimId) {
    GenerationStarted started =
        new GenerationStarted(
            UUID.randomUUID(),
            Instant.now(),
            GenerationStarted.SCHEMA_VERSION,
            id,
            null,
            claimId,
            null);
    ProducerRecord<String, String> record =
        new ProducerRecord<>(Topics.OUTCOMES, id.toString(), json.writeValueAsString(started));
    record
        .headers()
        .add(Topics.EVENT_TYPE_HEADER, "GenerationStarted".getBytes(StandardCharsets.UTF_8));
    try {
      kafka.send(record).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The gateway's answers on the claims topic: claim id → granted. */
  private static Map<UUID, Boolean> answers(KafkaProbe claims) {
    Map<UUID, Boolean> answers = new HashMap<>();
    for (ConsumerRecord<String, String> record : claims.all()) {
      JsonNode answer = JSON.readTree(record.value());
      answers.put(
          UUID.fromString(answer.path("claim_id").asString()), answer.path("granted").asBoolean());
    }
    return answers;
  }

  @Test
  void params_the_catalog_does_not_allow_are_refused_naming_the_field_and_change_nothing() {
    long user = newUserId();
    grant(user, 1000);
    List<Object[]> attempts =
        List.of(
            new Object[] {"flux-schnell", Map.of("num_images", 5), "params.num_images"},
            new Object[] {"flux-schnell", Map.of("num_images", 0), "params.num_images"},
            new Object[] {"flux-schnell", Map.of("num_images", "4"), "params.num_images"},
            new Object[] {"flux-schnell", Map.of("num_images", 2.5), "params.num_images"},
            new Object[] {
              "flux-schnell", Map.of("enable_safety_checker", false), "params.enable_safety_checker"
            },
            new Object[] {"flux-pro", Map.of("safety_tolerance", "5"), "params.safety_tolerance"},
            new Object[] {"kling-video", Map.of("duration", 10_000), "params.duration"},
            new Object[] {"kling-video", Map.of("duration", 7), "params.duration"},
            new Object[] {"kling-video", Map.of("generate_audio", true), "params.generate_audio"},
            new Object[] {"dall-e-3", Map.of("n", 4), "params.n"},
            new Object[] {"dall-e-3", Map.of("quality", "ultra"), "params.quality"});
    for (Object[] attempt : attempts) {
      @SuppressWarnings("unchecked")
      HttpResponse<String> refused =
          start(user, (String) attempt[0], (Map<String, Object>) attempt[1]);
      assertThat(refused.statusCode()).as("%s %s", attempt[0], attempt[1]).isEqualTo(400);
      assertThat(json(refused).path("code").asString()).isEqualTo("VALIDATION_ERROR");
      assertThat(json(refused).path("errors").findValuesAsString("field"))
          .as("%s", attempt[1])
          .contains((String) attempt[2]);
    }
    assertThat(available(user)).isEqualTo(1000);
    assertThat(generations(user)).isZero();
  }

  @Test
  void the_price_follows_the_params_and_the_provider_gets_exactly_what_was_priced() {
    long user = newUserId();
    grant(user, 1000);
    jdbc.sql("UPDATE users SET premium = true WHERE id = :u")
        .param("u", user)
        .update(); // six at once
    record Case(String model, Map<String, Object> params, long price, int outputs) {}
    List<Case> cases =
        List.of(
            new Case("flux-schnell", Map.of(), 1, 1),
            new Case("flux-schnell", Map.of("num_images", 4), 4, 4),
            new Case("flux-pro", Map.of("num_images", 3, "output_format", "png"), 12, 3),
            new Case("kling-video", Map.of("duration", 10), 60, 1),
            new Case("dall-e-3", Map.of("quality", "hd"), 10, 1),
            new Case("dall-e-3", Map.of("quality", "hd", "size", "1792x1024"), 20, 1));
    long spent = 0;
    for (Case c : cases) {
      HttpResponse<String> started = start(user, c.model(), c.params());
      assertThat(started.statusCode()).as(c.toString()).isEqualTo(202);
      assertThat(json(started).path("price").asLong()).as(c.toString()).isEqualTo(c.price());
      spent += c.price();
      UUID id = UUID.fromString(json(started).path("generation_id").asString());
      assertThat(json(get("/api/generation/" + id, user)).path("price").asLong())
          .isEqualTo(c.price());
      assertThat(
              jdbc.sql("SELECT amount FROM ledger WHERE generation_id = :g AND kind = 'HOLD'")
                  .param("g", id)
                  .query(Long.class)
                  .single())
          .isEqualTo(c.price());
      JsonNode request = requestOf(id);
      assertThat(request.path("outputs").asInt()).isEqualTo(c.outputs());
      c.params()
          .forEach(
              (name, value) ->
                  assertThat(request.path("params").path(name).asString())
                      .isEqualTo(value.toString()));
    }
    JsonNode schnell =
        requestOf(
                UUID.fromString(
                    jdbc.sql(
                            "SELECT id::text FROM generations WHERE user_id = :u AND model_id = 'flux-schnell' ORDER BY created_at LIMIT 1")
                        .param("u", user)
                        .query(String.class)
                        .single()))
            .path("params");
    assertThat(schnell.path("enable_safety_checker").asBoolean()).as("pinned on").isTrue();
    assertThat(schnell.path("num_images").asInt()).as("the default, sent explicitly").isEqualTo(1);
    assertThat(available(user)).isEqualTo(1000 - spent);
    assertLedgerReconciles(user);
  }

  @Test
  void the_catalog_publishes_a_closed_params_schema_for_every_model() {
    HttpResponse<String> models = send(HttpRequest.newBuilder(uri("/api/models")).build());
    JsonNode items = json(models).path("items");
    assertThat(items.size()).isGreaterThanOrEqualTo(5);
    for (JsonNode model : items) {
      assertThat(model.path("params").path("type").asString()).isEqualTo("object");
      assertThat(model.path("params").path("additionalProperties").asBoolean(true))
          .as(model.path("id").asString())
          .isFalse();
      assertThat(model.path("params").path("properties").isObject()).isTrue();
    }
  }

  @Test
  void a_claimed_generation_cannot_be_cancelled_and_keeps_its_hold() {
    long user = newUserId();
    grant(user, 100);
    UUID id =
        UUID.fromString(
            json(start(user, "kling-video", Map.of())).path("generation_id").asString());
    claim(id, UUID.randomUUID());
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                "processing"
                    .equals(json(get("/api/generation/" + id, user)).path("status").asString()));

    HttpResponse<String> cancel = post("/api/generation/" + id + "/cancel", user, "", Map.of());

    assertThat(cancel.statusCode()).isEqualTo(409);
    assertThat(json(cancel).path("code").asString()).isEqualTo("GENERATION_NOT_CANCELLABLE");
    assertThat(json(get("/api/me", user)).path("credits_held").asLong()).isEqualTo(30);
    assertThat(json(get("/api/generation/" + id, user)).path("status").asString())
        .isEqualTo("processing");
  }

  @Test
  void a_claim_is_granted_once_repeats_of_it_again_and_any_other_claim_never() {
    long user = newUserId();
    grant(user, 100);
    UUID id =
        UUID.fromString(json(start(user, "flux-pro", Map.of())).path("generation_id").asString());
    UUID first = UUID.randomUUID();
    UUID second = UUID.randomUUID();
    try (KafkaProbe claims = new KafkaProbe(Topics.CLAIMS)) {
      claim(id, first);
      claim(id, second);
      claim(id, first);
      await().atMost(Duration.ofSeconds(20)).until(() -> claims.withKey(id.toString()).size() == 3);
      Map<UUID, Boolean> answers = answers(claims);
      assertThat(answers.get(first)).isTrue();
      assertThat(answers.get(second)).isFalse();
      assertThat(
              claims.withKey(id.toString()).stream()
                  .filter(r -> r.value().contains(first.toString()))
                  .allMatch(r -> r.value().contains("\"granted\":true")))
          .isTrue();
    }
  }

  /**
   * The race the cancel rule is about: 200 generations, each claimed by a "worker" and cancelled by
   * its user at random moments. Every generation ends exactly one way: cancelled with its claim
   * refused (nothing may be submitted), or claimed and not cancellable (409).
   */
  @Test
  void cancels_racing_claims_never_leave_a_cancelled_generation_with_a_granted_claim() {
    int count = 200;
    long user = newUserId();
    grant(user, count);
    jdbc.sql("UPDATE users SET premium = true WHERE id = :u").param("u", user).update();
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      // Directly, as the gateway's own start would leave them: limits are not what this test is
      // about.
      UUID id = UUID.randomUUID();
      jdbc.sql(
              """
          INSERT INTO generations (id, user_id, model_id, prompt, price, status, created_at, timeout_at, updated_at, dispatched_at)
          VALUES (:id, :u, 'flux-schnell', 'race', 1, 'pending', now(), now() + interval '10 minutes', now(), now())
          """)
          .param("id", id)
          .param("u", user)
          .update();
      jdbc.sql(
              "UPDATE users SET credits_available = credits_available - 1, credits_held = credits_held + 1 WHERE id = :u")
          .param("u", user)
          .update();
      jdbc.sql(
              "INSERT INTO ledger (user_id, generation_id, kind, amount, reason, created_at) VALUES (:u, :g, 'HOLD', 1, 'race', now())")
          .param("u", user)
          .param("g", id)
          .update();
      ids.add(id);
    }
    Map<UUID, UUID> claimIds = new HashMap<>();
    ids.forEach(id -> claimIds.put(id, UUID.randomUUID()));
    try (KafkaProbe claims = new KafkaProbe(Topics.CLAIMS)) {
      // Claims go out at once (a few ms of jitter); the k-th cancel about 5k ms later (±jitter), so
      // the
      // first cancels beat their claim through Kafka, the last ones come after it, and the middle
      // ones race.
      Map<UUID, java.util.concurrent.Future<Integer>> cancelCalls = new HashMap<>();
      try (var timer = java.util.concurrent.Executors.newScheduledThreadPool(32)) {
        for (int k = 0; k < count; k++) {
          UUID id = ids.get(k);
          timer.schedule(
              () -> claim(id, claimIds.get(id)),
              ThreadLocalRandom.current().nextInt(0, 10),
              TimeUnit.MILLISECONDS);
          cancelCalls.put(
              id,
              timer.schedule(
                  () -> post("/api/generation/" + id + "/cancel", user, "", Map.of()).statusCode(),
                  5L * k + ThreadLocalRandom.current().nextInt(0, 10),
                  TimeUnit.MILLISECONDS));
        }
      }
      List<Integer> cancels = new ArrayList<>();
      for (UUID id : ids) {
        cancels.add(0);
        cancels.add(cancelCalls.get(id).resultNow());
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> answers(claims).keySet().containsAll(claimIds.values()));
      Map<UUID, Boolean> answers = answers(claims);
      int cancelled = 0;
      int claimed = 0;
      for (int i = 0; i < count; i++) {
        UUID id = ids.get(i);
        int cancel = cancels.get(2 * i + 1);
        String status =
            jdbc.sql("SELECT status FROM generations WHERE id = :id")
                .param("id", id)
                .query(String.class)
                .single();
        boolean granted = answers.get(claimIds.get(id));
        if (status.equals("cancelled")) {
          cancelled++;
          assertThat(granted).as("a cancelled generation's claim was refused").isFalse();
          assertThat(cancel).isEqualTo(200);
        } else {
          claimed++;
          assertThat(status).isEqualTo("processing");
          assertThat(granted).isTrue();
          assertThat(cancel).isEqualTo(409);
        }
      }
      assertThat(cancelled + claimed).isEqualTo(count);
      assertThat(cancelled).as("some cancels won").isPositive();
      assertThat(claimed).as("some claims won").isPositive();
      long held = json(get("/api/me", user)).path("credits_held").asLong();
      assertThat(held).isEqualTo(claimed);
    }
    assertLedgerReconciles(user);
  }
}

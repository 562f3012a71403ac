package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class AdminApiTest extends IntegrationTest {

  @Test
  void a_grant_creates_the_user_and_a_replay_moves_nothing() {
    long user = newUserId();
    String path = "/api/admin/users/" + user + "/credits";

    HttpResponse<String> first =
        admin("POST", path, "{\"amount\":25,\"reason\":\"purchase #1\"}", "grant-1");
    HttpResponse<String> replay =
        admin("POST", path, "{\"amount\":25,\"reason\":\"purchase #1\"}", "grant-1");
    HttpResponse<String> reused =
        admin("POST", path, "{\"amount\":26,\"reason\":\"purchase #1\"}", "grant-1");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(json(first).path("credits_available").asLong()).isEqualTo(25);
    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(reused.statusCode()).isEqualTo(422);
    assertThat(
            jdbc.sql("SELECT count(*) FROM ledger WHERE user_id = :u AND kind = 'GRANT'")
                .param("u", user)
                .query(Long.class)
                .single())
        .isEqualTo(1);
    assertThat(
            jdbc.sql("SELECT count(*) FROM admin_audit WHERE user_id = :u")
                .param("u", user)
                .query(Long.class)
                .single())
        .isEqualTo(1);
    assertLedgerReconciles(user);
  }

  @Test
  void an_adjustment_never_takes_the_balance_below_zero() {
    long user = newUserId();
    String path = "/api/admin/users/" + user + "/credits";
    admin("POST", path, "{\"amount\":10,\"reason\":\"grant\"}", "a-1");

    HttpResponse<String> tooMuch =
        admin("POST", path, "{\"amount\":-11,\"reason\":\"refund\"}", "a-2");
    HttpResponse<String> fine =
        admin("POST", path, "{\"amount\":-10,\"reason\":\"refund\"}", "a-3");

    assertThat(tooMuch.statusCode()).isEqualTo(400);
    assertThat(json(tooMuch).path("code").asString()).isEqualTo("VALIDATION_ERROR");
    assertThat(fine.statusCode()).isEqualTo(200);
    assertThat(json(fine).path("credits_available").asLong()).isZero();
    assertLedgerReconciles(user);
  }

  @Test
  void a_grant_needs_a_key_and_an_amount() {
    String path = "/api/admin/users/" + newUserId() + "/credits";
    assertThat(admin("POST", path, "{\"amount\":5,\"reason\":\"x\"}", null).statusCode())
        .isEqualTo(400);
    assertThat(admin("POST", path, "{\"amount\":\"five\",\"reason\":\"x\"}", "k").statusCode())
        .isEqualTo(400);
    assertThat(admin("POST", path, "{\"amount\":0,\"reason\":\"x\"}", "k").statusCode())
        .isEqualTo(400);
  }

  @Test
  void ban_blocks_every_user_call_and_unban_lifts_it() {
    long user = newUserId();
    grant(user, 5);
    assertThat(admin("POST", "/api/admin/users/" + user + "/ban", null, null).statusCode())
        .isEqualTo(200);
    assertThat(get("/api/me", user).statusCode()).isEqualTo(403);
    assertThat(admin("POST", "/api/admin/users/" + user + "/unban", null, null).statusCode())
        .isEqualTo(200);
    assertThat(get("/api/me", user).statusCode()).isEqualTo(200);
  }

  @Test
  void premium_raises_the_limits_shown_to_the_user() {
    long user = newUserId();
    grant(user, 5);
    assertThat(json(get("/api/me", user)).path("limits").path("max_active").asInt()).isEqualTo(5);
    admin("POST", "/api/admin/users/" + user + "/premium", "{\"premium\":true}", null);
    JsonNode me = json(get("/api/me", user));
    assertThat(me.path("is_premium").asBoolean()).isTrue();
    assertThat(me.path("limits").path("max_active").asInt()).isEqualTo(10);
  }

  @Test
  void reconcile_reports_nothing_on_a_healthy_ledger_and_finds_a_broken_one() {
    long user = newUserId();
    grant(user, 10);
    start(user, "flux-pro", "held");
    JsonNode clean = json(admin("GET", "/api/admin/reconcile", null, null));
    assertThat(ids(clean.path("users_out_of_balance"))).doesNotContain(user);

    jdbc.sql("UPDATE users SET credits_available = credits_available + 1 WHERE id = :u")
        .param("u", user)
        .update();
    JsonNode broken = json(admin("GET", "/api/admin/reconcile", null, null));
    jdbc.sql("UPDATE users SET credits_available = credits_available - 1 WHERE id = :u")
        .param("u", user)
        .update();

    assertThat(ids(broken.path("users_out_of_balance"))).contains(user);
  }

  @Test
  void a_user_view_shows_balance_limits_and_recent_generations_and_is_audited() {
    long user = newUserId();
    grant(user, 20);
    String generation =
        json(start(user, "flux-pro", "admin view")).path("generation_id").asString();

    HttpResponse<String> view = admin("GET", "/api/admin/users/" + user, null, null);

    assertThat(view.statusCode()).isEqualTo(200);
    JsonNode body = json(view);
    assertThat(body.path("credits_available").asLong()).isEqualTo(16);
    assertThat(body.path("credits_held").asLong()).isEqualTo(4);
    assertThat(body.path("active_generations").asLong()).isEqualTo(1);
    assertThat(body.path("limits").path("max_active").asInt()).isEqualTo(5);
    assertThat(body.path("recent_generations").get(0).path("generation_id").asString())
        .isEqualTo(generation);
    assertThat(
            jdbc.sql("SELECT count(*) FROM admin_audit WHERE user_id = :u AND action = 'view-user'")
                .param("u", user)
                .query(Long.class)
                .single())
        .isEqualTo(1);
    assertThat(admin("GET", "/api/admin/users/" + newUserId(), null, null).statusCode())
        .isEqualTo(404);
  }

  @Test
  void a_generation_view_tells_its_whole_story() {
    long user = newUserId();
    grant(user, 20);
    String id = json(start(user, "flux-pro", "story")).path("generation_id").asString();
    post("/api/generation/" + id + "/cancel", user, Map.of(), Map.of());

    JsonNode story = json(admin("GET", "/api/admin/generations/" + id, null, null));

    assertThat(story.path("status").asString()).isEqualTo("cancelled");
    assertThat(
            story
                .path("status_history")
                .valueStream()
                .map(h -> h.path("status").asString())
                .toList())
        .containsExactly("pending", "cancelled");
    assertThat(story.path("ledger").valueStream().map(l -> l.path("kind").asString()).toList())
        .containsExactly("HOLD", "RELEASE");
    assertThat(
            story.path("events").valueStream().map(e -> e.path("event_type").asString()).toList())
        .contains("GenerationRequested", "GenerationSettled");
    // Each event shows where it is: once the relay has it acknowledged, PUBLISHED with no error.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                json(admin("GET", "/api/admin/generations/" + id, null, null))
                    .path("events")
                    .valueStream()
                    .allMatch(
                        e ->
                            e.path("status").asString().equals("PUBLISHED")
                                && e.path("last_error").isNull()));
    assertThat(admin("GET", "/api/admin/generations/" + UUID.randomUUID(), null, null).statusCode())
        .isEqualTo(404);
    assertThat(admin("GET", "/api/admin/generations/not-a-uuid", null, null).statusCode())
        .isEqualTo(400);
  }

  @Test
  void stats_count_each_model_over_a_time_range() {
    long user = newUserId();
    grant(user, 100);
    Instant from = clock.instant().minusSeconds(1);
    String completed = json(start(user, "dall-e-3", "stats 1")).path("generation_id").asString();
    String cancelled = json(start(user, "dall-e-3", "stats 2")).path("generation_id").asString();
    post("/api/generation/" + cancelled + "/cancel", user, Map.of(), Map.of());
    jdbc.sql(
            "UPDATE generations SET status = 'completed', finished_at = created_at + interval '2 seconds' WHERE id = :id::uuid")
        .param("id", completed)
        .update();
    Instant to = clock.instant().plusSeconds(1);

    HttpResponse<String> answer =
        admin("GET", "/api/admin/stats?from=" + from + "&to=" + to, null, null);

    assertThat(answer.statusCode()).isEqualTo(200);
    JsonNode dalle =
        json(answer)
            .path("models")
            .valueStream()
            .filter(m -> m.path("model_id").asString().equals("dall-e-3"))
            .findFirst()
            .orElseThrow();
    assertThat(dalle.path("total").asLong()).isEqualTo(2);
    assertThat(dalle.path("completed").asLong()).isEqualTo(1);
    assertThat(dalle.path("cancelled").asLong()).isEqualTo(1);
    assertThat(dalle.path("success_rate").asDouble()).isEqualTo(1.0);
    assertThat(dalle.path("p50_millis").asDouble()).isEqualTo(2000.0);
    assertThat(dalle.path("refunds").asLong()).isEqualTo(1);
    assertThat(dalle.path("credits_returned").asLong()).isEqualTo(5);
    assertThat(admin("GET", "/api/admin/stats?from=yesterday", null, null).statusCode())
        .isEqualTo(400);
    assertThat(admin("GET", "/api/admin/stats?from=" + to + "&to=" + from, null, null).statusCode())
        .isEqualTo(400);
  }

  @Test
  void every_admin_endpoint_refuses_a_missing_or_wrong_token() {
    // From an address of its own (behind a trusted proxy), so its failures throttle nobody else.
    String client = "203.0.113.7";
    List<String> paths =
        List.of(
            "/api/admin/users/1",
            "/api/admin/generations/" + UUID.randomUUID(),
            "/api/admin/stats",
            "/api/admin/outbox/parked",
            "/api/admin/reconcile");
    for (String path : paths) {
      HttpResponse<String> none =
          send(HttpRequest.newBuilder(uri(path)).header("X-Forwarded-For", client).build());
      HttpResponse<String> wrong =
          send(
              HttpRequest.newBuilder(uri(path))
                  .header("X-Forwarded-For", client)
                  .header("Authorization", "Bearer not-the-token")
                  .build());
      assertThat(none.statusCode()).as(path).isEqualTo(401);
      assertThat(json(none).path("code").asString()).isEqualTo("ADMIN_AUTH_REQUIRED");
      assertThat(wrong.statusCode()).as(path).isEqualTo(401);
    }
  }

  @Test
  void guessing_the_admin_token_is_throttled_per_client_and_the_right_token_still_passes() {
    String guesser = "203.0.113.8";
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> wrong =
          send(
              HttpRequest.newBuilder(uri("/api/admin/stats"))
                  .header("X-Forwarded-For", guesser)
                  .header("Authorization", "Bearer guess-" + i)
                  .build());
      assertThat(wrong.statusCode()).isEqualTo(401);
    }
    HttpResponse<String> throttled =
        send(
            HttpRequest.newBuilder(uri("/api/admin/stats"))
                .header("X-Forwarded-For", guesser)
                .header("Authorization", "Bearer guess-again")
                .build());
    HttpResponse<String> right =
        send(
            HttpRequest.newBuilder(uri("/api/admin/stats"))
                .header("X-Forwarded-For", guesser)
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .build());

    assertThat(throttled.statusCode()).isEqualTo(429);
    assertThat(json(throttled).path("code").asString()).isEqualTo("RATE_LIMIT_EXCEEDED");
    assertThat(throttled.headers().firstValue("Retry-After")).isPresent();
    assertThat(right.statusCode())
        .as("the right token from the same address (a shared NAT) still passes")
        .isEqualTo(200);
  }

  private static List<Long> ids(JsonNode users) {
    return users.valueStream().map(u -> u.path("user_id").asLong()).toList();
  }
}

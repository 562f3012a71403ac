package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/** GET /api/events: what a Mini App hears without polling, after a reconnect, and with a token. */
@ExtendWith(OutputCaptureExtension.class)
class EventsTest extends IntegrationTest {
  private final HttpClient streaming = HttpClient.newHttpClient();
  @Autowired private StatementCounter statements;
  @Autowired private RecordedSpans spans;

  private SseClient stream(long user, Map<String, String> headers) {
    java.util.Map<String, String> all = new java.util.HashMap<>(headers);
    all.put("Authorization", "tma " + initData(user));
    SseClient client = SseClient.open(streaming, uri("/api/events"), all);
    assertThat(client.status).isEqualTo(200);
    assertThat(client.contentType).startsWith("text/event-stream");
    await().atMost(Duration.ofSeconds(10)).until(() -> client.comments().contains("connected"));
    return client;
  }

  private static JsonNode data(SseClient.Event event) {
    return JSON.readTree(event.data());
  }

  @Test
  void each_status_change_and_balance_movement_is_an_event_with_the_apis_own_json() {
    long user = newUserId();
    grant(user, 10);
    try (SseClient events = stream(user, Map.of())) {
      String id = json(start(user, "flux-pro", "events " + user)).path("generation_id").asString();
      List<SseClient.Event> started = events.await(2);
      post("/api/generation/" + id + "/cancel", user, "", Map.of());
      List<SseClient.Event> all = events.await(4);

      // The start (hold, pending) and the cancel (release, cancelled): two events each.
      assertThat(started)
          .extracting(SseClient.Event::name)
          .containsExactlyInAnyOrder("generation", "balance");
      assertThat(all.subList(2, 4))
          .extracting(SseClient.Event::name)
          .containsExactlyInAnyOrder("generation", "balance");
      assertThat(all).extracting(e -> Long.parseLong(e.id())).isSorted().doesNotHaveDuplicates();
      SseClient.Event lastGeneration =
          all.subList(2, 4).stream()
              .filter(e -> e.name().equals("generation"))
              .findFirst()
              .orElseThrow();
      SseClient.Event lastBalance =
          all.subList(2, 4).stream()
              .filter(e -> e.name().equals("balance"))
              .findFirst()
              .orElseThrow();
      assertThat(data(lastGeneration)).isEqualTo(json(get("/api/generation/" + id, user)));
      assertThat(data(lastGeneration).path("status").asString()).isEqualTo("cancelled");
      assertThat(data(lastBalance)).isEqualTo(json(get("/api/me", user)));
      assertThat(data(lastBalance).path("credits_available").asLong()).isEqualTo(10);
    }
  }

  @Test
  void a_reconnect_with_last_event_id_first_gets_every_later_event() {
    long user = newUserId();
    grant(user, 10);
    List<SseClient.Event> first;
    try (SseClient events = stream(user, Map.of())) {
      String id = json(start(user, "flux-pro", "replay " + user)).path("generation_id").asString();
      post("/api/generation/" + id + "/cancel", user, "", Map.of());
      first = events.await(4);
    }
    try (SseClient resumed = stream(user, Map.of("Last-Event-ID", first.get(0).id()))) {
      List<SseClient.Event> replayed = resumed.await(3);
      assertThat(replayed)
          .extracting(SseClient.Event::id)
          .containsExactly(first.get(1).id(), first.get(2).id(), first.get(3).id());
      // And it goes on live after the replay.
      start(user, "flux-schnell", "after the replay " + user);
      assertThat(resumed.await(5).subList(3, 5))
          .extracting(SseClient.Event::name)
          .containsExactlyInAnyOrder("generation", "balance");
    }
  }

  @Test
  void a_stream_hears_only_its_users_events_whichever_replica_recorded_them() {
    long user = newUserId();
    long other = newUserId();
    grant(user, 10);
    grant(other, 10);
    try (SseClient events = stream(user, Map.of())) {
      start(other, "flux-pro", "someone else's " + other);
      // A change another replica committed: this replica learns it from the table, not from its own
      // calls.
      jdbc.sql("INSERT INTO user_events (user_id, kind) VALUES (:u, 'balance')")
          .param("u", user)
          .update();

      SseClient.Event only = events.await(1).getFirst();
      await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(3))
          .until(() -> events.events().size() == 1);
      assertThat(only.name()).isEqualTo("balance");
      assertThat(data(only).path("user_id").asLong()).isEqualTo(user);
    }
  }

  @Test
  void an_event_source_authenticates_with_a_single_use_token(CapturedOutput output) {
    long user = newUserId();
    grant(user, 10);
    String token = json(post("/api/events/token", user, "", Map.of())).path("token").asString();

    try (SseClient events =
        SseClient.open(streaming, uri("/api/events?token=" + token), Map.of())) {
      assertThat(events.status).isEqualTo(200);
      await().atMost(Duration.ofSeconds(10)).until(() -> events.comments().contains("connected"));
      start(user, "flux-schnell", "token " + user);
      assertThat(events.await(2))
          .extracting(SseClient.Event::name)
          .containsExactlyInAnyOrder("generation", "balance");
    }
    HttpResponse<String> again =
        send(java.net.http.HttpRequest.newBuilder(uri("/api/events?token=" + token)).build());
    HttpResponse<String> forged =
        send(
            java.net.http.HttpRequest.newBuilder(uri("/api/events?token=" + UUID.randomUUID()))
                .build());
    HttpResponse<String> elsewhere =
        send(java.net.http.HttpRequest.newBuilder(uri("/api/me?token=" + token)).build());
    assertThat(again.statusCode()).isEqualTo(401);
    assertThat(json(again).path("code").asString()).isEqualTo("INVALID_INIT_DATA");
    // The token is in the URL: no span a trace exporter would send, and no log line, carries it.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                spans.all().stream()
                    .anyMatch(
                        s ->
                            "/api/events"
                                .equals(
                                    s.getAttributes()
                                        .get(
                                            io.opentelemetry.api.common.AttributeKey.stringKey(
                                                "http.url")))));
    assertThat(spans.all())
        .allSatisfy(
            s -> {
              assertThat(s.getName()).doesNotContain(token);
              s.getAttributes()
                  .forEach((key, value) -> assertThat(String.valueOf(value)).doesNotContain(token));
            });
    assertThat(output.getAll()).doesNotContain(token);
    assertThat(forged.statusCode()).isEqualTo(401);
    assertThat(elsewhere.statusCode()).isEqualTo(401);
  }

  @Test
  void an_idle_stream_gets_a_comment_between_events_and_a_bad_last_event_id_is_a_400() {
    long user = newUserId();
    try (SseClient events = stream(user, Map.of())) {
      await().atMost(Duration.ofSeconds(10)).until(() -> events.comments().contains("keep-alive"));
    }
    HttpResponse<String> bad =
        send(
            java.net.http.HttpRequest.newBuilder(uri("/api/events"))
                .header("Authorization", "tma " + initData(user))
                .header("Last-Event-ID", "yesterday")
                .build());
    assertThat(bad.statusCode()).isEqualTo(400);
  }

  @Test
  void a_reconnect_replays_many_events_in_order_each_with_what_is_true_now() {
    long user = newUserId();
    grant(user, 100);
    List<String> ids = new java.util.ArrayList<>();
    List<SseClient.Event> first;
    try (SseClient events = stream(user, Map.of())) {
      for (int i = 0; i < 10; i++) {
        String id =
            json(start(user, "flux-pro", "many " + i + " " + user))
                .path("generation_id")
                .asString();
        post("/api/generation/" + id + "/cancel", user, "", Map.of());
        ids.add(id);
      }
      first = events.await(40);
    }
    // What a replay reads does not grow with what it missed, 3 events or 39: its events in one
    // query, their generations in one, the balance in one.
    List<String> reads =
        List.of(
            "FROM user_events",
            "FROM generations",
            "SELECT credits_available, credits_held FROM users");
    statements.reset();
    try (SseClient few = stream(user, Map.of("Last-Event-ID", first.get(36).id()))) {
      assertThat(few.await(3)).hasSize(3);
    }
    List<Long> forFew = reads.stream().map(r -> statements.onThreadsNamed("http-nio-", r)).toList();
    statements.reset();
    try (SseClient resumed = stream(user, Map.of("Last-Event-ID", first.getFirst().id()))) {
      List<SseClient.Event> replayed = resumed.await(39);
      List<Long> forMany =
          reads.stream().map(r -> statements.onThreadsNamed("http-nio-", r)).toList();
      assertThat(forFew).containsExactly(1L, 1L, 1L);
      assertThat(forMany).containsExactly(1L, 1L, 1L);
      assertThat(replayed)
          .extracting(SseClient.Event::id)
          .containsExactlyElementsOf(
              first.subList(1, 40).stream().map(SseClient.Event::id).toList());
      for (SseClient.Event event : replayed) {
        JsonNode body = data(event);
        if (event.name().equals("generation")) {
          assertThat(body)
              .isEqualTo(
                  json(get("/api/generation/" + body.path("generation_id").asString(), user)));
          assertThat(body.path("status").asString()).isEqualTo("cancelled");
        } else {
          assertThat(body).isEqualTo(json(get("/api/me", user)));
        }
      }
    }
  }

  @Test
  void a_user_reconnecting_in_a_loop_is_refused_after_thirty_a_minute() {
    long user = newUserId();
    for (int i = 0; i < 30; i++) {
      stream(user, Map.of()).close();
    }
    HttpResponse<String> refused =
        send(
            java.net.http.HttpRequest.newBuilder(uri("/api/events"))
                .header("Authorization", "tma " + initData(user))
                .header("Accept", "text/event-stream")
                .build());

    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(json(refused).path("code").asString()).isEqualTo("RATE_LIMIT_EXCEEDED");
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    try (SseClient other = stream(newUserId(), Map.of())) {
      assertThat(other.status).as("another user is not affected").isEqualTo(200);
    }
  }

  @Test
  void a_premium_granted_while_a_stream_is_open_shows_in_its_balance_events() {
    long user = newUserId();
    grant(user, 5);
    try (SseClient events = stream(user, Map.of())) {
      assertThat(
              admin("POST", "/api/admin/users/" + user + "/premium", "{\"premium\":true}", null)
                  .statusCode())
          .isEqualTo(200);
      int[] nudges = {0};
      // The stream keeps the standing it signed in with and refreshes it with the heartbeat (1 s
      // here): a balance event some heartbeats later shows the premium and its limits.
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(700))
          .until(
              () -> {
                admin(
                    "POST",
                    "/api/admin/users/" + user + "/credits",
                    "{\"amount\":1,\"reason\":\"nudge\"}",
                    "nudge-" + user + "-" + nudges[0]++);
                return events.events().stream()
                    .filter(e -> e.name().equals("balance"))
                    .anyMatch(e -> data(e).path("is_premium").asBoolean());
              });
      SseClient.Event premium =
          events.events().stream()
              .filter(e -> e.name().equals("balance"))
              .filter(e -> data(e).path("is_premium").asBoolean())
              .findFirst()
              .orElseThrow();
      assertThat(data(premium).path("limits")).isEqualTo(json(get("/api/me", user)).path("limits"));
    }
  }

  @Test
  void a_banned_users_open_streams_are_closed() {
    long user = newUserId();
    try (SseClient events = stream(user, Map.of())) {
      assertThat(admin("POST", "/api/admin/users/" + user + "/ban", null, null).statusCode())
          .isEqualTo(200);
      await().atMost(Duration.ofSeconds(20)).until(events::ended);
    }
  }

  @Test
  void guessing_event_tokens_is_refused_without_a_lookup_after_twenty() {
    String guesser = "198.51.100.200";
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> wrong =
          send(
              java.net.http.HttpRequest.newBuilder(uri("/api/events?token=" + UUID.randomUUID()))
                  .header("X-Forwarded-For", guesser)
                  .build());
      assertThat(wrong.statusCode()).isEqualTo(401);
    }
    HttpResponse<String> throttled =
        send(
            java.net.http.HttpRequest.newBuilder(uri("/api/events?token=" + UUID.randomUUID()))
                .header("X-Forwarded-For", guesser)
                .build());

    assertThat(throttled.statusCode()).isEqualTo(429);
    assertThat(throttled.headers().firstValue("Retry-After")).isPresent();
  }
}

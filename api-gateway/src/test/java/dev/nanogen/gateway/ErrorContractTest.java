package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Every error code of the API (docs/api.md), produced through HTTP, as problem+json, changing
 * nothing.
 */
class ErrorContractTest extends IntegrationTest {
  @Autowired DataSource dataSource;

  private static JsonNode problem(HttpResponse<String> response, int status, String code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    JsonNode body = json(response);
    assertThat(body.path("code").asString()).isEqualTo(code);
    assertThat(body.path("status").asInt()).isEqualTo(status);
    assertThat(body.path("type").asString()).isNotBlank();
    assertThat(body.path("title").asString()).isNotBlank();
    assertThat(body.path("message").asString()).isNotBlank();
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
    return body;
  }

  private long generations(long user) {
    return jdbc.sql("SELECT count(*) FROM generations WHERE user_id = :u")
        .param("u", user)
        .query(Long.class)
        .single();
  }

  @Test
  void validation_error_names_each_field_and_changes_nothing() {
    long user = newUserId();
    grant(user, 10);
    JsonNode body =
        problem(
            post(
                "/api/generation/start",
                user,
                Map.of("model_id", "flux-pro", "prompt", "x".repeat(4001)),
                Map.of()),
            400,
            "VALIDATION_ERROR");
    assertThat(body.path("errors").get(0).path("field").asString()).isEqualTo("prompt");
    problem(
        post("/api/generation/start", user, "{\"model_id\":\"flux-pro\",\"prompt\":5}", Map.of()),
        400,
        "VALIDATION_ERROR");
    problem(
        post(
            "/api/generation/start",
            user,
            "{\"model_id\":\"flux-pro\",\"prompt\":\"a\",\"params\":\"no\"}",
            Map.of()),
        400,
        "VALIDATION_ERROR");
    problem(post("/api/generation/start", user, "{not json", Map.of()), 400, "VALIDATION_ERROR");
    problem(
        post(
            "/api/generation/start",
            user,
            Map.of("model_id", "flux-pro", "prompt", "a", "idempotency_key", "k1"),
            Map.of("Idempotency-Key", "k2")),
        400,
        "VALIDATION_ERROR");
    problem(get("/api/generations?limit=0", user), 400, "VALIDATION_ERROR");
    problem(get("/api/generations?cursor=not-a-cursor!", user), 400, "VALIDATION_ERROR");
    problem(get("/api/generation/not-a-uuid", user), 400, "VALIDATION_ERROR");
    assertThat(generations(user)).isZero();
    assertLedgerReconciles(user);
  }

  @Test
  void hostile_input_is_a_400_never_a_500_and_changes_nothing() {
    long user = newUserId();
    grant(user, 10);
    String uuidless =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString("123:not-a-uuid".getBytes());
    String farFuture =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(("9223372036854775807:" + java.util.UUID.randomUUID()).getBytes());
    String negative =
        java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("-5:x".getBytes());
    for (String cursor : new String[] {uuidless, farFuture, negative, "%00", "AAAA"}) {
      problem(get("/api/generations?cursor=" + cursor, user), 400, "VALIDATION_ERROR");
    }
    problem(get("/api/me/ledger?cursor=AAAA", user), 400, "VALIDATION_ERROR");
    JsonNode nul =
        problem(
            post(
                "/api/generation/start",
                user,
                "{\"model_id\":\"flux-pro\",\"prompt\":\"a\\u0000b\"}",
                Map.of()),
            400,
            "VALIDATION_ERROR");
    assertThat(nul.path("errors").get(0).path("field").asString()).isEqualTo("prompt");
    problem(
        post(
            "/api/generation/start",
            user,
            "{\"model_id\":\"kling-video\",\"prompt\":\"a\",\"params\":{\"negative_prompt\":\"x\\u0000\"}}",
            Map.of()),
        400,
        "VALIDATION_ERROR");
    problem(
        post(
            "/api/generation/start",
            user,
            "{\"model_id\":\"flux-pro\",\"prompt\":\"a\",\"prompt\":\"b\"}",
            Map.of()),
        400,
        "VALIDATION_ERROR");
    problem(
        post(
            "/api/generation/start",
            user,
            "{\"model_id\":\"flux-schnell\",\"prompt\":\"a\",\"params\":{\"num_images\":1,\"num_images\":4}}",
            Map.of()),
        400,
        "VALIDATION_ERROR");
    problem(get("/api/generations?status=%00", user), 400, "VALIDATION_ERROR");
    assertThat(generations(user)).isZero();
    assertLedgerReconciles(user);

    for (String amount :
        new String[] {"1000000001", "-1000000001", "99999999999999999999", "1e30"}) {
      HttpResponse<String> grant =
          send(
              HttpRequest.newBuilder(uri("/api/admin/users/" + user + "/credits"))
                  .header("Authorization", "Bearer " + ADMIN_TOKEN)
                  .header("Content-Type", "application/json")
                  .header("Idempotency-Key", "huge-" + amount)
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"amount\":" + amount + ",\"reason\":\"x\"}"))
                  .build());
      problem(grant, 400, "VALIDATION_ERROR");
    }
    assertThat(json(get("/api/me", user)).path("credits_available").asLong()).isEqualTo(10);
  }

  @Test
  void missing_tampered_and_expired_init_data_are_401() {
    long user = newUserId();
    problem(send(HttpRequest.newBuilder(uri("/api/me")).GET().build()), 401, "INVALID_INIT_DATA");
    String tampered = initData(user).replace("first_name%22%3A%22Test", "first_name%22%3A%22Evil");
    problem(
        send(
            HttpRequest.newBuilder(uri("/api/me"))
                .header("Authorization", "tma " + tampered)
                .GET()
                .build()),
        401,
        "INVALID_INIT_DATA");
    String otherBot = new dev.nanogen.testkit.InitDataSigner("999:OTHER").sign(user, "Test", "en");
    problem(
        send(
            HttpRequest.newBuilder(uri("/api/me"))
                .header("Authorization", "tma " + otherBot)
                .GET()
                .build()),
        401,
        "INVALID_INIT_DATA");
    String expired = SIGNER.sign(user, "Test", "en", Instant.now().minusSeconds(25 * 3600));
    problem(
        send(
            HttpRequest.newBuilder(uri("/api/me"))
                .header("Authorization", "tma " + expired)
                .GET()
                .build()),
        401,
        "INIT_DATA_EXPIRED");
    String fromTheFuture = SIGNER.sign(user, "Test", "en", Instant.now().plusSeconds(3600));
    problem(
        send(
            HttpRequest.newBuilder(uri("/api/me"))
                .header("Authorization", "tma " + fromTheFuture)
                .GET()
                .build()),
        401,
        "INVALID_INIT_DATA");
    assertThat(
            jdbc.sql("SELECT count(*) FROM users WHERE id = :u")
                .param("u", user)
                .query(Long.class)
                .single())
        .isZero();
  }

  @Test
  void admin_calls_without_or_with_a_wrong_token_are_401() {
    String path = "/api/admin/users/" + newUserId() + "/credits";
    HttpRequest.Builder base =
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", "a1")
            .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":5,\"reason\":\"x\"}"));
    problem(send(base.build()), 401, "ADMIN_AUTH_REQUIRED");
    problem(send(base.header("Authorization", "Bearer wrong").build()), 401, "ADMIN_AUTH_REQUIRED");
    problem(
        send(
            HttpRequest.newBuilder(uri("/api/admin/reconcile"))
                .header("Authorization", "tma " + initData(1))
                .GET()
                .build()),
        401,
        "ADMIN_AUTH_REQUIRED");
  }

  @Test
  void insufficient_credits_is_402_with_required_and_available() {
    long user = newUserId();
    grant(user, 2);
    JsonNode body = problem(start(user, "dall-e-3", "x"), 402, "INSUFFICIENT_CREDITS");
    assertThat(body.path("required").asLong()).isEqualTo(5);
    assertThat(body.path("available").asLong()).isEqualTo(2);
  }

  @Test
  void a_banned_user_is_403_on_every_call() {
    long user = newUserId();
    grant(user, 10);
    jdbc.sql("UPDATE users SET banned = true WHERE id = :u").param("u", user).update();
    problem(start(user, "flux-pro", "x"), 403, "USER_BANNED");
    problem(get("/api/me", user), 403, "USER_BANNED");
    assertThat(generations(user)).isZero();
  }

  @Test
  void unknown_model_and_generation_are_404() {
    long user = newUserId();
    grant(user, 10);
    problem(start(user, "no-such-model", "x"), 404, "MODEL_NOT_FOUND");
    problem(
        get("/api/generation/" + java.util.UUID.randomUUID(), user), 404, "GENERATION_NOT_FOUND");
    problem(
        post("/api/generation/" + java.util.UUID.randomUUID() + "/cancel", user, "", Map.of()),
        404,
        "GENERATION_NOT_FOUND");
  }

  @Test
  void a_disabled_model_is_503_model_unavailable() {
    long user = newUserId();
    grant(user, 100);
    jdbc.sql("UPDATE models SET enabled = false WHERE id = 'dall-e-3'").update();
    try {
      problem(start(user, "dall-e-3", "x"), 503, "MODEL_UNAVAILABLE");
      assertThat(generations(user)).isZero();
    } finally {
      jdbc.sql("UPDATE models SET enabled = true WHERE id = 'dall-e-3'").update();
    }
  }

  @Test
  void cancelling_twice_is_409_not_cancellable_and_releases_once() {
    long user = newUserId();
    grant(user, 10);
    String id = json(start(user, "flux-pro", "cancel me")).path("generation_id").asString();

    HttpResponse<String> first = post("/api/generation/" + id + "/cancel", user, "", Map.of());
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(json(first).path("status").asString()).isEqualTo("cancelled");
    problem(
        post("/api/generation/" + id + "/cancel", user, "", Map.of()),
        409,
        "GENERATION_NOT_CANCELLABLE");
    assertThat(
            jdbc.sql("SELECT credits_available FROM users WHERE id = :u")
                .param("u", user)
                .query(Long.class)
                .single())
        .isEqualTo(10);
    assertLedgerReconciles(user);
  }

  @Test
  void a_key_still_in_flight_is_409_in_use() throws Exception {
    long user = newUserId();
    grant(user, 10);
    try (Connection blocker = dataSource.getConnection()) {
      blocker.setAutoCommit(false);
      try (Statement lock = blocker.createStatement()) {
        lock.execute("SELECT id FROM users WHERE id = " + user + " FOR UPDATE");
        HttpResponse<String> answer =
            post(
                "/api/generation/start",
                user,
                Map.of("model_id", "flux-pro", "prompt", "x"),
                Map.of("Idempotency-Key", "in-flight"));
        problem(answer, 409, "IDEMPOTENCY_KEY_IN_USE");
      }
      blocker.rollback();
    }
    assertThat(generations(user)).isZero();
  }

  @Test
  void a_body_over_64_kib_is_413() {
    long user = newUserId();
    grant(user, 10);
    String big =
        "{\"model_id\":\"flux-pro\",\"prompt\":\"a\",\"pad\":\"" + "x".repeat(70 * 1024) + "\"}";
    problem(post("/api/generation/start", user, big, Map.of()), 413, "PAYLOAD_TOO_LARGE");
    assertThat(generations(user)).isZero();
  }

  @Test
  void a_callers_own_trace_context_is_not_continued() {
    long user = newUserId();
    String chosen = "0af7651916cd43dd8448eb211c80319c";
    java.util.function.Function<String, HttpResponse<String>> call =
        path ->
            send(
                HttpRequest.newBuilder(uri(path))
                    .header("Authorization", "tma " + initData(user))
                    .header("traceparent", "00-" + chosen + "-b7ad6b7169203331-01")
                    .header("X-B3-TraceId", chosen)
                    .build());

    HttpResponse<String> me = call.apply("/api/me");
    HttpResponse<String> missing = call.apply("/api/generation/" + java.util.UUID.randomUUID());

    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.headers().firstValue("X-Correlation-Id").orElseThrow())
        .matches("[0-9a-f]{32}")
        .isNotEqualTo(chosen);
    problem(missing, 404, "GENERATION_NOT_FOUND");
    assertThat(json(missing).path("correlation_id").asString())
        .matches("[0-9a-f]{32}")
        .isNotEqualTo(chosen)
        .isEqualTo(missing.headers().firstValue("X-Correlation-Id").orElseThrow());
  }

  @Test
  void a_form_or_multipart_body_is_415_before_the_server_reads_it() throws Exception {
    long user = newUserId();
    grant(user, 10);
    for (String type :
        List.of("application/x-www-form-urlencoded", "multipart/form-data; boundary=b")) {
      // A chunked body, 70 KiB sent and the rest withheld: the answer must not wait for it (the
      // container's own parsers would read on, up to 2 MB for a form and 10 MB for parts).
      try (java.net.Socket socket = new java.net.Socket("localhost", port)) {
        socket.setSoTimeout(10_000);
        java.io.OutputStream out = socket.getOutputStream();
        String chunk = "model_id=flux-pro&prompt=" + "x".repeat(70 * 1024);
        out.write(
            ("POST /api/generation/start HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: tma "
                    + initData(user)
                    + "\r\nContent-Type: "
                    + type
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(chunk.length())
                    + "\r\n"
                    + chunk
                    + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
        String status =
            new java.io.BufferedReader(
                    new java.io.InputStreamReader(
                        socket.getInputStream(), StandardCharsets.ISO_8859_1))
                .readLine();
        assertThat(status).as(type).startsWith("HTTP/1.1 415");
      }
    }
    assertThat(generations(user)).isZero();
  }

  @Test
  void the_same_key_with_another_body_is_422_and_the_same_body_replays() {
    long user = newUserId();
    grant(user, 10);
    HttpResponse<String> first =
        post(
            "/api/generation/start",
            user,
            Map.of("model_id", "flux-pro", "prompt", "a"),
            Map.of("Idempotency-Key", "k-422"));
    assertThat(first.statusCode()).isEqualTo(202);
    problem(
        post(
            "/api/generation/start",
            user,
            Map.of("model_id", "flux-pro", "prompt", "b"),
            Map.of("Idempotency-Key", "k-422")),
        422,
        "IDEMPOTENCY_KEY_REUSED");
    HttpResponse<String> replay =
        post(
            "/api/generation/start",
            user,
            Map.of("model_id", "flux-pro", "prompt", "a"),
            Map.of("Idempotency-Key", "k-422"));
    assertThat(replay.statusCode()).isEqualTo(202);
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(generations(user)).isEqualTo(1);
  }

  @Test
  void rate_and_active_limits_are_429_with_limit_and_retry_after() {
    long user = newUserId();
    grant(user, 100);
    for (int i = 0; i < 5; i++) {
      assertThat(start(user, "flux-schnell", "a" + i).statusCode()).isEqualTo(202);
    }
    HttpResponse<String> sixth = start(user, "flux-schnell", "a6");
    JsonNode body = problem(sixth, 429, "MAX_ACTIVE_GENERATIONS");
    assertThat(body.path("limit").asInt()).isEqualTo(5);
    assertThat(sixth.headers().firstValue("Retry-After")).isPresent();
    // RATE_LIMIT_EXCEEDED through HTTP is in LimitsTest.
  }

  @Test
  void a_database_that_does_not_answer_is_503() throws Exception {
    long user = newUserId();
    grant(user, 10);
    dev.nanogen.testkit.TestInfra.withDatabaseDown(
        DATABASE_NAME, () -> problem(get("/api/me", user), 503, "SERVICE_UNAVAILABLE"));
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(() -> get("/api/me", user).statusCode() == 200);
  }

  @Test
  void a_bug_is_500_with_a_correlation_id_and_no_internals() {
    JsonNode body = problem(get("/api/test/bug", newUserId()), 500, "INTERNAL_ERROR");
    assertThat(body.toString())
        .doesNotContain("secret internal detail")
        .doesNotContain("IllegalStateException");
    assertThat(body.path("correlation_id").asString()).isNotBlank();
  }

  @Test
  void errors_spring_raises_keep_their_status_as_problems() {
    long user = newUserId();
    HttpResponse<String> events =
        send(
            HttpRequest.newBuilder(uri("/api/events"))
                .header("Authorization", "tma " + SIGNER.sign(user, "Test", "en"))
                .header("Accept", "application/json")
                .build());
    problem(events, 406, "NOT_ACCEPTABLE");
    problem(
        send(HttpRequest.newBuilder(uri("/api/models")).header("Accept", "text/plain").build()),
        406,
        "NOT_ACCEPTABLE");
    HttpResponse<String> method =
        send(
            HttpRequest.newBuilder(uri("/api/models"))
                .DELETE()
                .header("Accept", "application/json")
                .build());
    problem(method, 405, "METHOD_NOT_ALLOWED");
    assertThat(method.headers().firstValue("Allow").orElse("")).contains("GET");
    problem(
        send(
            HttpRequest.newBuilder(uri("/api/generation/start"))
                .header("Authorization", "tma " + SIGNER.sign(user, "Test", "en"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("a prompt"))
                .build()),
        415,
        "UNSUPPORTED_MEDIA_TYPE");
    problem(get("/api/test/slow", user), 503, "SERVICE_UNAVAILABLE");
    for (String from : new String[] {"+1000000000-01-01T00:00:00Z", "-999999999-01-01T00:00:00Z"}) {
      problem(
          send(
              HttpRequest.newBuilder(uri("/api/admin/stats?from=" + from.replace("+", "%2B")))
                  .header("Authorization", "Bearer " + ADMIN_TOKEN)
                  .build()),
          400,
          "VALIDATION_ERROR");
    }
    problem(
        send(
            HttpRequest.newBuilder(uri("/api/admin/stats?to=-999999999-01-01T00:00:00Z"))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .build()),
        400,
        "VALIDATION_ERROR");
    assertThat(generations(user)).isZero();
  }

  /** A start of dall-e-3 by {@code user}, whose initData names {@code language}. */
  private HttpResponse<String> startIn(long user, String language) {
    return send(
        HttpRequest.newBuilder(uri("/api/generation/start"))
            .header("Authorization", "tma " + SIGNER.sign(user, "Test", language))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString("{\"model_id\":\"dall-e-3\",\"prompt\":\"x\"}"))
            .build());
  }

  @Test
  void messages_follow_the_users_language() {
    long user = newUserId();
    grant(user, 1);
    HttpResponse<String> ru = startIn(user, "ru");
    assertThat(problem(ru, 402, "INSUFFICIENT_CREDITS").path("message").asString())
        .contains("Недостаточно кредитов");
    HttpResponse<String> uz = startIn(user, "uz");
    assertThat(problem(uz, 402, "INSUFFICIENT_CREDITS").path("message").asString())
        .contains("Kreditlar yetarli emas");
    HttpResponse<String> de = startIn(user, "de");
    assertThat(problem(de, 402, "INSUFFICIENT_CREDITS").path("message").asString())
        .contains("Not enough credits");
  }
}

package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * A Mini App on its own origin calls the API from a browser: what the browser asks, and what it may
 * read.
 */
class CorsTest extends IntegrationTest {
  private static final String STRANGER = "https://evil.example";

  private HttpResponse<String> preflight(
      String origin, String path, String method, String headers) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", headers)
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .build());
  }

  private static List<String> listed(HttpResponse<String> answer, String header) {
    return answer.headers().firstValue(header).stream()
        .flatMap(v -> Arrays.stream(v.split(",")))
        .map(v -> v.strip().toLowerCase(Locale.ROOT))
        .toList();
  }

  @Test
  void a_preflight_from_a_listed_origin_allows_the_apis_methods_and_headers() {
    HttpResponse<String> answer =
        preflight(
            APP_ORIGIN,
            "/api/generation/start",
            "POST",
            "authorization, content-type, idempotency-key, x-correlation-id");

    assertThat(answer.statusCode()).isBetween(200, 299);
    assertThat(answer.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP_ORIGIN);
    assertThat(listed(answer, "Access-Control-Allow-Methods")).contains("post", "get");
    assertThat(listed(answer, "Access-Control-Allow-Headers"))
        .contains("authorization", "content-type", "idempotency-key", "x-correlation-id");
    assertThat(answer.headers().firstValue("Access-Control-Max-Age")).hasValue("600");
    assertThat(answer.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
  }

  @Test
  void answers_to_a_listed_origin_carry_the_origin_and_expose_the_headers_a_front_end_reads() {
    long user = newUserId();
    HttpResponse<String> me =
        send(
            HttpRequest.newBuilder(uri("/api/me"))
                .header("Origin", APP_ORIGIN)
                .header("Authorization", "tma " + initData(user))
                .build());
    HttpResponse<String> unauthorized =
        send(HttpRequest.newBuilder(uri("/api/me")).header("Origin", APP_ORIGIN).build());

    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP_ORIGIN);
    assertThat(listed(me, "Access-Control-Expose-Headers"))
        .contains("retry-after", "idempotent-replayed", "x-correlation-id");
    // An error is readable too, so the app can show its message.
    assertThat(unauthorized.statusCode()).isEqualTo(401);
    assertThat(unauthorized.headers().firstValue("Access-Control-Allow-Origin"))
        .hasValue(APP_ORIGIN);
    assertThat(json(unauthorized).path("code").asString()).isEqualTo("INVALID_INIT_DATA");
  }

  @Test
  void another_origin_gets_no_cors_headers_and_its_preflight_a_403_problem() {
    HttpResponse<String> refused =
        preflight(STRANGER, "/api/generation/start", "POST", "authorization");
    HttpResponse<String> call =
        send(HttpRequest.newBuilder(uri("/api/models")).header("Origin", STRANGER).build());

    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(json(refused).path("code").asString()).isEqualTo("CORS_ORIGIN_NOT_ALLOWED");
    assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertThat(call.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void a_second_listed_origin_is_answered_with_its_own_origin_and_nothing_outside_api_is_opened() {
    HttpResponse<String> other =
        preflight("https://other.nanogen.example", "/api/me", "GET", "authorization");
    HttpResponse<String> webhook =
        preflight(APP_ORIGIN, "/telegram/webhook", "POST", "content-type");

    assertThat(other.headers().firstValue("Access-Control-Allow-Origin"))
        .hasValue("https://other.nanogen.example");
    assertThat(webhook.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }
}

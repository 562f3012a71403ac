package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One user cannot starve the others: past the per-user budget of calls, 429 with Retry-After and
 * nothing done, while another user is served as before. A flood of the unauthenticated catalog is
 * answered from memory.
 */
class RequestBudgetTest extends IntegrationTest {

  @Test
  void a_user_past_the_call_budget_gets_429_with_retry_after_and_others_are_served() {
    long flooder = newUserId();
    long other = newUserId();
    grant(flooder, 10);
    grant(other, 10);

    List<HttpResponse<String>> answers =
        Concurrently.run(REQUEST_BUDGET + 100, i -> get("/api/me", flooder));

    List<HttpResponse<String>> refused =
        answers.stream().filter(a -> a.statusCode() == 429).toList();
    assertThat(refused).isNotEmpty();
    assertThat(answers.stream().filter(a -> a.statusCode() != 429))
        .allMatch(a -> a.statusCode() == 200);
    HttpResponse<String> one = refused.getFirst();
    assertThat(one.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(json(one).path("code").asString()).isEqualTo("RATE_LIMIT_EXCEEDED");
    assertThat(json(one).path("limit").asInt()).isEqualTo(REQUEST_BUDGET);
    assertThat(Long.parseLong(one.headers().firstValue("Retry-After").orElseThrow()))
        .isBetween(1L, 10L);
    assertThat(get("/api/me", other).statusCode()).isEqualTo(200);
  }

  @Test
  void the_catalog_answers_from_memory_for_a_few_seconds() {
    String before = send(HttpRequest.newBuilder(uri("/api/models")).build()).body();
    jdbc.sql("UPDATE models SET name = name || ' (renamed)' WHERE id = 'flux-schnell'").update();
    try {
      List<String> during =
          Concurrently.run(
              200, i -> send(HttpRequest.newBuilder(uri("/api/models")).build()).body());
      assertThat(during)
          .as("no request read the table again")
          .allMatch(body -> !body.contains("(renamed)"));
      assertThat(before).doesNotContain("(renamed)");
    } finally {
      jdbc.sql("UPDATE models SET name = replace(name, ' (renamed)', '') WHERE id = 'flux-schnell'")
          .update();
    }
  }
}

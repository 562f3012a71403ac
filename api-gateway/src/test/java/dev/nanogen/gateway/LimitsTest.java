package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The default limits (5 active, 10 starts per rolling minute) hold exactly under concurrency. */
class LimitsTest extends IntegrationTest {

  @Test
  void twenty_concurrent_starts_by_one_user_accept_exactly_five() {
    long user = newUserId();
    grant(user, 1000);

    List<HttpResponse<String>> answers =
        Concurrently.run(20, i -> start(user, "flux-pro", "burst " + i));

    Map<Integer, Long> byStatus =
        answers.stream()
            .collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));
    assertThat(byStatus).containsExactlyInAnyOrderEntriesOf(Map.of(202, 5L, 429, 15L));
    answers.stream()
        .filter(a -> a.statusCode() == 429)
        .forEach(
            a -> {
              assertThat(json(a).path("code").asString()).isEqualTo("MAX_ACTIVE_GENERATIONS");
              assertThat(json(a).path("limit").asInt()).isEqualTo(5);
              assertThat(a.headers().firstValue("Retry-After")).isPresent();
            });
    assertThat(
            jdbc.sql("SELECT credits_available FROM users WHERE id = :u")
                .param("u", user)
                .query(Long.class)
                .single())
        .isEqualTo(1000 - 5 * 4);
    assertLedgerReconciles(user);
  }

  @Test
  void the_rolling_minute_limit_answers_429_with_the_time_until_a_slot_frees() {
    long user = newUserId();
    grant(user, 1000);
    for (int i = 0; i < 10; i++) {
      assertThat(start(user, "flux-schnell", "steady " + i).statusCode()).isEqualTo(202);
      finishAllActive(user);
    }
    // The oldest start of the window is 40 s old: a slot frees in about 20 s.
    jdbc.sql(
            "UPDATE generations SET created_at = created_at - interval '40 seconds' WHERE user_id = :u")
        .param("u", user)
        .update();

    HttpResponse<String> eleventh = start(user, "flux-schnell", "one too many");

    assertThat(eleventh.statusCode()).isEqualTo(429);
    assertThat(json(eleventh).path("code").asString()).isEqualTo("RATE_LIMIT_EXCEEDED");
    assertThat(json(eleventh).path("limit").asInt()).isEqualTo(10);
    long retryAfter = Long.parseLong(eleventh.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter).isBetween(15L, 21L);
  }

  @Test
  void a_premium_user_may_have_ten_active() {
    long user = newUserId();
    grant(user, 1000);
    jdbc.sql("UPDATE users SET premium = true WHERE id = :u").param("u", user).update();

    List<HttpResponse<String>> answers =
        Concurrently.run(15, i -> start(user, "flux-schnell", "premium " + i));

    assertThat(answers.stream().filter(a -> a.statusCode() == 202).count()).isEqualTo(10);
  }

  @Test
  void a_model_may_limit_one_users_active_generations_on_it() {
    long user = newUserId();
    grant(user, 1000);
    jdbc.sql("UPDATE models SET max_active_per_user = 2 WHERE id = 'veo-3'").update();
    try {
      List<HttpResponse<String>> answers =
          Concurrently.run(6, i -> start(user, "veo-3", "ocean " + i));

      assertThat(answers.stream().filter(a -> a.statusCode() == 202).count()).isEqualTo(2);
      assertThat(start(user, "flux-schnell", "other model still fine").statusCode()).isEqualTo(202);
    } finally {
      jdbc.sql("UPDATE models SET max_active_per_user = NULL WHERE id = 'veo-3'").update();
    }
  }

  /** Ends the user's active generations the way an outcome would (captured), freeing slots. */
  private void finishAllActive(long user) {
    jdbc.sql(
            """
        WITH done AS (
          UPDATE generations SET status = 'completed', finished_at = now()
          WHERE user_id = :u AND status IN ('pending','processing') RETURNING id, price)
        INSERT INTO ledger (user_id, generation_id, kind, amount, reason, created_at)
        SELECT :u, id, 'CAPTURE', price, 'test', now() FROM done
        """)
        .param("u", user)
        .update();
    jdbc.sql(
            """
        UPDATE users SET credits_held = (SELECT COALESCE(sum(price),0) FROM generations
          WHERE user_id = :u AND status IN ('pending','processing')) WHERE id = :u
        """)
        .param("u", user)
        .update();
  }
}

package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.gateway.generation.Ending;
import dev.nanogen.gateway.generation.GenerationTransitions;
import dev.nanogen.model.FailureCode;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

/** The money path under many concurrent requests, with the limits raised out of the way. */
@TestPropertySource(
    properties = {
      "nanogen.limits.max-active=1000",
      "nanogen.limits.starts-per-window=1000",
      "nanogen.db.lock-timeout=60s"
    })
class MoneyUnderConcurrencyTest extends IntegrationTest {
  @Autowired GenerationTransitions transitions;
  @Autowired TransactionTemplate tx;

  @Test
  void two_hundred_concurrent_starts_against_a_balance_for_seven_accept_exactly_seven() {
    long user = newUserId();
    grant(user, 7);

    List<HttpResponse<String>> answers =
        Concurrently.run(200, i -> start(user, "flux-schnell", "race " + i));

    Map<Integer, Long> byStatus =
        answers.stream()
            .collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));
    assertThat(byStatus).containsOnlyKeys(202, 402);
    assertThat(byStatus.get(202)).isEqualTo(7);
    assertThat(byStatus.get(402)).isEqualTo(193);
    assertThat(
            jdbc.sql("SELECT credits_available FROM users WHERE id = :u")
                .param("u", user)
                .query(Long.class)
                .single())
        .isZero();
    assertThat(
            jdbc.sql("SELECT credits_held FROM users WHERE id = :u")
                .param("u", user)
                .query(Long.class)
                .single())
        .isEqualTo(7);
    assertThat(
            jdbc.sql("SELECT count(*) FROM ledger WHERE user_id = :u AND kind = 'HOLD'")
                .param("u", user)
                .query(Long.class)
                .single())
        .isEqualTo(7);
    assertLedgerReconciles(user);
  }

  @Test
  void a_hundred_concurrent_identical_keyed_starts_create_one_generation_and_one_hold() {
    long user = newUserId();
    grant(user, 50);
    Map<String, Object> body =
        Map.of("model_id", "flux-pro", "prompt", "same tap", "idempotency_key", "tap-1");

    List<HttpResponse<String>> answers =
        Concurrently.run(100, i -> post("/api/generation/start", user, body, Map.of()));

    assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).isEqualTo(202));
    Set<String> ids =
        answers.stream()
            .map(a -> json(a).path("generation_id").asString())
            .collect(Collectors.toSet());
    assertThat(ids).hasSize(1);
    long replays =
        answers.stream()
            .filter(a -> a.headers().firstValue("Idempotent-Replayed").isPresent())
            .count();
    assertThat(replays).isEqualTo(99);
    assertThat(
            jdbc.sql("SELECT count(*) FROM generations WHERE user_id = :u")
                .param("u", user)
                .query(Long.class)
                .single())
        .isEqualTo(1);
    assertThat(
            jdbc.sql("SELECT count(*) FROM ledger WHERE user_id = :u AND kind = 'HOLD'")
                .param("u", user)
                .query(Long.class)
                .single())
        .isEqualTo(1);
    assertThat(
            jdbc.sql("SELECT credits_available FROM users WHERE id = :u")
                .param("u", user)
                .query(Long.class)
                .single())
        .isEqualTo(46);
    assertLedgerReconciles(user);
  }

  @Test
  void a_hold_cannot_be_both_captured_and_released_even_when_both_race() {
    long user = newUserId();
    grant(user, 40);
    List<UUID> generations =
        Concurrently.run(
            20,
            i ->
                UUID.fromString(
                    json(start(user, "flux-schnell", "settle race " + i))
                        .path("generation_id")
                        .asString()));

    for (UUID id : generations) {
      List<Boolean> won =
          Concurrently.run(
              4,
              i ->
                  tx.execute(
                      s ->
                          transitions.finish(
                              id,
                              switch (i) {
                                case 0 -> Ending.completed(List.of("http://x/1.png"));
                                case 1 ->
                                    Ending.failed(FailureCode.PROVIDER_REJECTED, "no", "failed");
                                case 2 -> Ending.cancelled("cancelled by user");
                                default -> Ending.completed(List.of("http://x/2.png"));
                              },
                              null)));
      assertThat(won.stream().filter(Boolean::booleanValue).count())
          .as("winners for %s", id)
          .isEqualTo(1);
      assertThat(
              jdbc.sql(
                      "SELECT count(*) FROM ledger WHERE generation_id = :g AND kind IN ('CAPTURE','RELEASE')")
                  .param("g", id)
                  .query(Long.class)
                  .single())
          .isEqualTo(1);
    }
    assertThat(
            jdbc.sql("SELECT credits_held FROM users WHERE id = :u")
                .param("u", user)
                .query(Long.class)
                .single())
        .isZero();
    assertLedgerReconciles(user);
  }
}

package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

class StartGenerationTest extends IntegrationTest {
  @Autowired private StatementCounter statements;

  /**
   * A signed-in user's start costs the database three round trips and COMMIT: the sign-in's read,
   * the reads after the row lock (one pipelined statement), the writes (another).
   */
  @Test
  void a_start_is_the_sign_in_read_then_the_locked_reads_and_the_writes_each_sent_at_once() {
    long user = newUserId();
    grant(user, 10);
    assertThat(start(user, "flux-schnell", "signs the user in").statusCode()).isEqualTo(202);
    statements.reset();

    assertThat(start(user, "flux-schnell", "a red fox").statusCode()).isEqualTo(202);

    assertThat(statements.onThreadsNamed("http-nio-", "")).as("statements prepared").isEqualTo(3);
    assertThat(statements.onThreadsNamed("http-nio-", "FOR UPDATE")).isEqualTo(1);
    assertThat(statements.onThreadsNamed("http-nio-", "count(*)")).isEqualTo(1);
    assertThat(statements.onThreadsNamed("http-nio-", "INSERT INTO generations (")).isEqualTo(1);
    assertThat(statements.onThreadsNamed("http-nio-", "INSERT INTO outbox (")).isEqualTo(1);
  }

  @Test
  void start_holds_the_price_and_writes_generation_ledger_and_outbox_in_one_go() {
    long user = newUserId();
    grant(user, 10);

    HttpResponse<String> response = start(user, "flux-pro", "a red fox");

    assertThat(response.statusCode()).isEqualTo(202);
    JsonNode body = json(response);
    assertThat(body.path("status").asString()).isEqualTo("pending");
    assertThat(body.path("price").asLong()).isEqualTo(4);
    assertThat(body.path("credits_available").asLong()).isEqualTo(6);
    assertThat(body.path("credits_held").asLong()).isEqualTo(4);
    String id = body.path("generation_id").asString();
    assertThat(
            jdbc.sql(
                    "SELECT count(*) FROM ledger WHERE generation_id = CAST(:id AS uuid) AND kind = 'HOLD'")
                .param("id", id)
                .query(Long.class)
                .single())
        .isEqualTo(1);
    assertThat(
            jdbc.sql(
                    "SELECT count(*) FROM outbox WHERE message_key = :id AND event_type = 'GenerationRequested'")
                .param("id", id)
                .query(Long.class)
                .single())
        .isEqualTo(1);
    assertLedgerReconciles(user);

    HttpResponse<String> read = get("/api/generation/" + id, user);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(json(read).path("model_id").asString()).isEqualTo("flux-pro");
  }

  @Test
  void insufficient_credits_is_a_402_that_changes_nothing() {
    long user = newUserId();
    grant(user, 3);

    HttpResponse<String> response = start(user, "flux-pro", "a red fox");

    assertThat(response.statusCode()).isEqualTo(402);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    JsonNode problem = json(response);
    assertThat(problem.path("code").asString()).isEqualTo("INSUFFICIENT_CREDITS");
    assertThat(problem.path("required").asLong()).isEqualTo(4);
    assertThat(problem.path("available").asLong()).isEqualTo(3);
    assertThat(
            jdbc.sql("SELECT count(*) FROM generations WHERE user_id = :u")
                .param("u", user)
                .query(Long.class)
                .single())
        .isZero();
    assertLedgerReconciles(user);
  }

  @Test
  void another_users_generation_is_not_found() {
    long owner = newUserId();
    long other = newUserId();
    grant(owner, 10);
    String id = json(start(owner, "flux-schnell", "mine")).path("generation_id").asString();

    HttpResponse<String> response = get("/api/generation/" + id, other);

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(json(response).path("code").asString()).isEqualTo("GENERATION_NOT_FOUND");
  }

  @Test
  void a_user_id_in_the_body_is_ignored() {
    long user = newUserId();
    long victim = newUserId();
    grant(user, 10);
    grant(victim, 10);

    HttpResponse<String> response =
        post(
            "/api/generation/start",
            user,
            Map.of("model_id", "flux-schnell", "prompt", "x", "user_id", victim),
            Map.of());

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(
            jdbc.sql("SELECT credits_available FROM users WHERE id = :u")
                .param("u", victim)
                .query(Long.class)
                .single())
        .isEqualTo(10);
    assertThat(
            jdbc.sql("SELECT credits_available FROM users WHERE id = :u")
                .param("u", user)
                .query(Long.class)
                .single())
        .isEqualTo(9);
  }
}

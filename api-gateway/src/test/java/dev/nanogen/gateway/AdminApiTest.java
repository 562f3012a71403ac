package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class AdminApiTest extends IntegrationTest {

  private HttpResponse<String> admin(String method, String path, String body, String key) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", "Bearer " + ADMIN_TOKEN)
            .header("Content-Type", "application/json")
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Idempotency-Key", key);
    }
    return send(request.build());
  }

  @Test
  void a_grant_creates_the_user_and_a_replay_moves_nothing() {
    long user = newUserId();
    String path = "/api/admin/users/" + user + "/credits";

    HttpResponse<String> first = admin("POST", path, "{\"amount\":25,\"reason\":\"purchase #1\"}", "grant-1");
    HttpResponse<String> replay = admin("POST", path, "{\"amount\":25,\"reason\":\"purchase #1\"}", "grant-1");
    HttpResponse<String> reused = admin("POST", path, "{\"amount\":26,\"reason\":\"purchase #1\"}", "grant-1");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(json(first).path("credits_available").asLong()).isEqualTo(25);
    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(reused.statusCode()).isEqualTo(422);
    assertThat(jdbc.sql("SELECT count(*) FROM ledger WHERE user_id = :u AND kind = 'GRANT'").param("u", user).query(Long.class).single()).isEqualTo(1);
    assertThat(jdbc.sql("SELECT count(*) FROM admin_audit WHERE user_id = :u").param("u", user).query(Long.class).single()).isEqualTo(1);
    assertLedgerReconciles(user);
  }

  @Test
  void an_adjustment_never_takes_the_balance_below_zero() {
    long user = newUserId();
    String path = "/api/admin/users/" + user + "/credits";
    admin("POST", path, "{\"amount\":10,\"reason\":\"grant\"}", "a-1");

    HttpResponse<String> tooMuch = admin("POST", path, "{\"amount\":-11,\"reason\":\"refund\"}", "a-2");
    HttpResponse<String> fine = admin("POST", path, "{\"amount\":-10,\"reason\":\"refund\"}", "a-3");

    assertThat(tooMuch.statusCode()).isEqualTo(400);
    assertThat(json(tooMuch).path("code").asString()).isEqualTo("VALIDATION_ERROR");
    assertThat(fine.statusCode()).isEqualTo(200);
    assertThat(json(fine).path("credits_available").asLong()).isZero();
    assertLedgerReconciles(user);
  }

  @Test
  void a_grant_needs_a_key_and_an_amount() {
    String path = "/api/admin/users/" + newUserId() + "/credits";
    assertThat(admin("POST", path, "{\"amount\":5,\"reason\":\"x\"}", null).statusCode()).isEqualTo(400);
    assertThat(admin("POST", path, "{\"amount\":\"five\",\"reason\":\"x\"}", "k").statusCode()).isEqualTo(400);
    assertThat(admin("POST", path, "{\"amount\":0,\"reason\":\"x\"}", "k").statusCode()).isEqualTo(400);
  }

  @Test
  void ban_blocks_every_user_call_and_unban_lifts_it() {
    long user = newUserId();
    grant(user, 5);
    assertThat(admin("POST", "/api/admin/users/" + user + "/ban", null, null).statusCode()).isEqualTo(200);
    assertThat(get("/api/me", user).statusCode()).isEqualTo(403);
    assertThat(admin("POST", "/api/admin/users/" + user + "/unban", null, null).statusCode()).isEqualTo(200);
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

    jdbc.sql("UPDATE users SET credits_available = credits_available + 1 WHERE id = :u").param("u", user).update();
    JsonNode broken = json(admin("GET", "/api/admin/reconcile", null, null));
    jdbc.sql("UPDATE users SET credits_available = credits_available - 1 WHERE id = :u").param("u", user).update();

    assertThat(ids(broken.path("users_out_of_balance"))).contains(user);
  }

  private static List<Long> ids(JsonNode users) {
    return users.valueStream().map(u -> u.path("user_id").asLong()).toList();
  }
}

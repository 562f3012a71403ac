package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

/** The sign-up bonus: once per user, at their first sign-in, whoever made their row before. */
@TestPropertySource(properties = "nanogen.signup-bonus=25")
// A context no other class shares: closed after these tests, its connections with it.
@DirtiesContext
class SignupBonusTest extends IntegrationTest {
  private long bonusRows(long user) {
    return jdbc.sql(
            "SELECT count(*) FROM ledger WHERE user_id = :u AND kind = 'GRANT' AND reason = 'signup bonus'")
        .param("u", user)
        .query(Long.class)
        .single();
  }

  private long available(long user) {
    return json(get("/api/me", user)).path("credits_available").asLong();
  }

  @Test
  void a_new_user_gets_the_bonus_once() {
    long user = newUserId();

    assertThat(available(user)).isEqualTo(25);
    assertThat(available(user)).isEqualTo(25);
    assertThat(bonusRows(user)).isEqualTo(1);
    assertLedgerReconciles(user);
  }

  @Test
  void users_an_admin_flagged_or_granted_before_their_first_sign_in_still_get_it_once() {
    long premium = newUserId();
    long granted = newUserId();
    long unbanned = newUserId();
    assertThat(
            admin("POST", "/api/admin/users/" + premium + "/premium", "{\"premium\":true}", null)
                .statusCode())
        .isEqualTo(200);
    assertThat(
            admin(
                    "POST",
                    "/api/admin/users/" + granted + "/credits",
                    "{\"amount\":10,\"reason\":\"welcome\"}",
                    "bonus-grant-" + granted)
                .statusCode())
        .isEqualTo(200);
    assertThat(admin("POST", "/api/admin/users/" + unbanned + "/ban", "", null).statusCode())
        .isEqualTo(200);
    assertThat(admin("POST", "/api/admin/users/" + unbanned + "/unban", "", null).statusCode())
        .isEqualTo(200);

    assertThat(available(premium)).isEqualTo(25);
    assertThat(available(granted)).isEqualTo(35);
    assertThat(available(unbanned)).isEqualTo(25);
    assertThat(available(granted)).isEqualTo(35);
    for (long user : List.of(premium, granted, unbanned)) {
      assertThat(bonusRows(user)).isEqualTo(1);
      assertLedgerReconciles(user);
    }
  }

  @Test
  void twenty_concurrent_first_sign_ins_grant_exactly_one_bonus() {
    long fresh = newUserId();
    long flagged = newUserId();
    admin("POST", "/api/admin/users/" + flagged + "/premium", "{\"premium\":true}", null);

    for (long user : List.of(fresh, flagged)) {
      List<HttpResponse<String>> answers = Concurrently.run(20, i -> get("/api/me", user));

      assertThat(answers).extracting(HttpResponse::statusCode).containsOnly(200);
      assertThat(bonusRows(user)).isEqualTo(1);
      assertThat(available(user)).isEqualTo(25);
      assertLedgerReconciles(user);
    }
  }
}

package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.gateway.admin.Reconcile;
import dev.nanogen.testkit.TelegramStub;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Buying credits with Telegram Stars through the real webhook endpoint, with the Telegram stub as
 * the Bot API and as the user paying. Every attack on the money path is a test here: each ends with
 * the user's ledger reconciling and no credit moved that should not have.
 */
class PaymentsTest extends IntegrationTest {
  private static final String PACK = "small";

  @Autowired Reconcile reconcile;
  @Autowired dev.nanogen.gateway.payments.InvoiceHousekeeping invoiceHousekeeping;

  @BeforeEach
  void updatesComeToThisGateway() {
    TELEGRAM.webhook(uri("/telegram/webhook").toString(), WEBHOOK_SECRET);
  }

  private JsonNode invoice(long user, String pack, String key) {
    HttpResponse<String> answer =
        post(
            "/api/payments/invoice",
            user,
            Map.of("pack_id", pack),
            key == null ? Map.of() : Map.of("Idempotency-Key", key));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return json(answer);
  }

  private long available(long user) {
    return jdbc.sql("SELECT credits_available FROM users WHERE id = :u")
        .param("u", user)
        .query(Long.class)
        .single();
  }

  private long count(String sql, Object id) {
    return jdbc.sql(sql).param("id", id).query(Long.class).single();
  }

  private String status(UUID payment) {
    return jdbc.sql("SELECT status FROM payments WHERE id = :id")
        .param("id", payment)
        .query(String.class)
        .single();
  }

  private void assertMoneyHolds(long user) {
    assertLedgerReconciles(user);
    assertThat(reconcile.run().paymentsOutOfBalance()).isEmpty();
  }

  /** Buys {@code pack} end to end; answers the charge id. */
  private String buy(long user, String pack) {
    JsonNode invoice = invoice(user, pack, null);
    TelegramStub.Purchase purchase = TELEGRAM.pay(user, invoice.path("invoice_link").asString());
    assertThat(purchase.paid()).as("%s", purchase).isTrue();
    return purchase.chargeId();
  }

  @Test
  void the_gateway_registers_its_webhook_with_the_secret_and_the_updates_it_handles() {
    assertThat(TELEGRAM.registrations())
        .isNotEmpty()
        .allSatisfy(
            registered -> {
              assertThat(registered.url()).isEqualTo(WEBHOOK_URL);
              assertThat(registered.secretToken()).isEqualTo(WEBHOOK_SECRET);
              assertThat(registered.allowedUpdates())
                  .contains("message")
                  .contains("pre_checkout_query")
                  .contains("callback_query");
            });
  }

  @Test
  void packs_on_sale_are_listed_with_their_price_in_stars() {
    HttpResponse<String> answer = get("/api/credit-packs", newUserId());

    assertThat(answer.statusCode()).isEqualTo(200);
    JsonNode small = json(answer).path("items").path(0);
    assertThat(small.path("id").asString()).isEqualTo("small");
    assertThat(small.path("credits").asLong()).isEqualTo(50);
    assertThat(small.path("stars").asLong()).isEqualTo(50);
    assertThat(small.path("title").asString()).isNotBlank();
  }

  @Test
  void a_pack_is_bought_end_to_end_and_its_credits_added_once_with_a_confirmation_queued() {
    long user = newUserId();
    grant(user, 3);

    JsonNode invoice = invoice(user, PACK, "buy-1");
    UUID payment = UUID.fromString(invoice.path("payment_id").asString());
    TelegramStub.Invoice sent = TELEGRAM.invoice(invoice.path("invoice_link").asString());
    TelegramStub.Purchase purchase = TELEGRAM.pay(user, sent.link());

    assertThat(sent.currency()).isEqualTo("XTR");
    assertThat(sent.amount()).isEqualTo(50);
    assertThat(sent.payload())
        .doesNotContain(Long.toString(user))
        .doesNotContain(payment.toString())
        .hasSizeGreaterThan(40);
    assertThat(purchase.answer().ok()).isTrue();
    assertThat(purchase.paid()).isTrue();
    assertThat(available(user)).isEqualTo(53);
    assertThat(status(payment)).isEqualTo("paid");
    assertThat(
            count(
                "SELECT count(*) FROM ledger WHERE payment_id = :id AND kind = 'PURCHASE' AND amount = 50",
                payment))
        .isEqualTo(1);
    assertThat(
            count(
                "SELECT count(*) FROM outbox WHERE message_key = CAST(:id AS text) AND event_type = 'PaymentReceived'",
                payment.toString()))
        .isEqualTo(1);
    JsonNode mine = json(get("/api/payments", user)).path("items").path(0);
    assertThat(mine.path("payment_id").asString()).isEqualTo(payment.toString());
    assertThat(mine.path("status").asString()).isEqualTo("paid");
    assertThat(mine.path("paid_at").isNull()).isFalse();
    JsonNode ledger = json(get("/api/me/ledger", user)).path("items").path(0);
    assertThat(ledger.path("kind").asString()).isEqualTo("PURCHASE");
    assertThat(ledger.path("payment_id").asString()).isEqualTo(payment.toString());
    assertMoneyHolds(user);
  }

  @Test
  void an_invoice_is_idempotent_under_its_key_and_a_key_reused_for_another_pack_is_refused() {
    long user = newUserId();

    HttpResponse<String> first =
        post(
            "/api/payments/invoice",
            user,
            Map.of("pack_id", PACK),
            Map.of("Idempotency-Key", "inv-1"));
    int invoicesBefore = TELEGRAM.invoices().size();
    HttpResponse<String> replay =
        post(
            "/api/payments/invoice",
            user,
            Map.of("pack_id", PACK),
            Map.of("Idempotency-Key", "inv-1"));
    HttpResponse<String> reused =
        post(
            "/api/payments/invoice",
            user,
            Map.of("pack_id", "large"),
            Map.of("Idempotency-Key", "inv-1"));

    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(TELEGRAM.invoices()).hasSize(invoicesBefore);
    assertThat(reused.statusCode()).isEqualTo(422);
    assertThat(count("SELECT count(*) FROM payments WHERE user_id = :id", user)).isEqualTo(1);
  }

  @Test
  void twenty_concurrent_invoices_under_one_key_make_one_payment() {
    long user = newUserId();
    grant(user, 1);

    List<HttpResponse<String>> answers =
        Concurrently.run(
            20,
            i ->
                post(
                    "/api/payments/invoice",
                    user,
                    Map.of("pack_id", PACK),
                    Map.of("Idempotency-Key", "same")));

    assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).isIn(200, 409));
    assertThat(
            answers.stream()
                .filter(a -> a.statusCode() == 200)
                .map(a -> json(a).path("payment_id").asString())
                .distinct())
        .hasSize(1);
    assertThat(count("SELECT count(*) FROM payments WHERE user_id = :id", user)).isEqualTo(1);
  }

  @Test
  void an_unknown_or_disabled_pack_is_404_and_a_missing_one_400() {
    long user = newUserId();
    admin(
        "PUT",
        "/api/admin/credit-packs/off-sale",
        "{\"title\":\"Old\",\"credits\":5,\"stars\":5,\"enabled\":false}",
        null);

    HttpResponse<String> unknown =
        post("/api/payments/invoice", user, Map.of("pack_id", "no-such-pack"), Map.of());
    HttpResponse<String> disabled =
        post("/api/payments/invoice", user, Map.of("pack_id", "off-sale"), Map.of());
    HttpResponse<String> missing = post("/api/payments/invoice", user, Map.of(), Map.of());
    HttpResponse<String> wrongType =
        post("/api/payments/invoice", user, "{\"pack_id\":[1]}", Map.of());

    assertThat(json(unknown).path("code").asString()).isEqualTo("PACK_NOT_FOUND");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(disabled.statusCode()).isEqualTo(404);
    assertThat(json(missing).path("code").asString()).isEqualTo("VALIDATION_ERROR");
    assertThat(wrongType.statusCode()).isEqualTo(400);
    assertThat(json(get("/api/credit-packs", user)).path("items").findValuesAsString("id"))
        .doesNotContain("off-sale");
    assertThat(count("SELECT count(*) FROM payments WHERE user_id = :id", user)).isZero();
  }

  @Test
  void a_banned_user_gets_no_invoice() {
    long user = newUserId();
    grant(user, 1);
    admin("POST", "/api/admin/users/" + user + "/ban", null, null);

    HttpResponse<String> answer =
        post("/api/payments/invoice", user, Map.of("pack_id", PACK), Map.of());

    assertThat(answer.statusCode()).isEqualTo(403);
    assertThat(json(answer).path("code").asString()).isEqualTo("USER_BANNED");
    assertThat(count("SELECT count(*) FROM payments WHERE user_id = :id", user)).isZero();
  }

  @Test
  void an_update_without_the_secret_token_is_401_and_does_nothing() {
    long user = newUserId();
    grant(user, 1);
    JsonNode invoice = invoice(user, PACK, null);
    String payload = TELEGRAM.invoice(invoice.path("invoice_link").asString()).payload();
    Map<String, Object> payment =
        TelegramStub.successfulPayment(
            TELEGRAM.nextUpdateId(), user, payload, "XTR", 50, TELEGRAM.newChargeId());

    int none = TELEGRAM.deliver(payment, null);
    int forged = TELEGRAM.deliver(payment, "guessed-secret");
    int almost = TELEGRAM.deliver(payment, WEBHOOK_SECRET + "x");
    int checkouts = TELEGRAM.checkoutAnswers().size();
    int forgedCheckout =
        TELEGRAM.deliver(
            TelegramStub.preCheckoutQuery(
                TELEGRAM.nextUpdateId(), "pcq-forged", user, payload, "XTR", 50),
            "nope");

    assertThat(List.of(none, forged, almost, forgedCheckout)).containsOnly(401);
    assertThat(TELEGRAM.checkoutAnswers()).hasSize(checkouts);
    assertThat(available(user)).isEqualTo(1);
    assertThat(status(UUID.fromString(invoice.path("payment_id").asString()))).isEqualTo("created");
    assertThat(
            count(
                "SELECT count(*) FROM telegram_updates WHERE update_id = :id",
                payment.get("update_id")))
        .isZero();
  }

  @Test
  void a_webhook_body_that_is_not_an_update_is_a_400_problem_and_changes_nothing() {
    for (String body :
        List.of(
            "not json",
            "[1,2]",
            "{}",
            "{\"update_id\":\"7\"}",
            "{\"update_id\":-5}",
            "{\"update_id\":1,\"message\":{\"from\":{\"id\":1},\"successful_payment\":{\"currency\":\"XTR\"}}}")) {
      HttpResponse<String> answer =
          send(
              java.net.http.HttpRequest.newBuilder(uri("/telegram/webhook"))
                  .header("Content-Type", "application/json")
                  .header("X-Telegram-Bot-Api-Secret-Token", WEBHOOK_SECRET)
                  .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                  .build());

      assertThat(answer.statusCode()).as(body).isEqualTo(400);
      assertThat(answer.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
      assertThat(json(answer).path("code").asString()).isEqualTo("VALIDATION_ERROR");
    }
    assertThat(count("SELECT count(*) FROM telegram_updates WHERE update_id = :id", 1L)).isZero();
  }

  @Test
  void updates_the_webhook_does_not_handle_are_answered_200_and_ignored() {
    long user = newUserId();
    Map<String, Object> group =
        Map.of(
            "update_id",
            TELEGRAM.nextUpdateId(),
            "message",
            Map.of(
                "message_id",
                1,
                "from",
                Map.of("id", user),
                "chat",
                Map.of("id", -100L, "type", "group"),
                "text",
                "/balance"));
    Map<String, Object> edited =
        Map.of("update_id", TELEGRAM.nextUpdateId(), "edited_message", Map.of("text", "x"));

    assertThat(TELEGRAM.deliver(group)).isEqualTo(200);
    assertThat(TELEGRAM.deliver(edited)).isEqualTo(200);
    assertThat(TELEGRAM.messagesTo(-100L)).isEmpty();
  }

  @Test
  void a_checkout_is_refused_for_another_users_invoice_an_unknown_payload_and_other_terms() {
    long owner = newUserId();
    long other = newUserId();
    grant(owner, 1);
    grant(other, 1);
    String link = invoice(owner, PACK, null).path("invoice_link").asString();
    String payload = TELEGRAM.invoice(link).payload();

    TelegramStub.Purchase foreign = TELEGRAM.pay(other, payload, "XTR", 50);
    TelegramStub.Purchase unknown = TELEGRAM.pay(owner, "not-a-payload-we-made", "XTR", 50);
    TelegramStub.Purchase cheaper = TELEGRAM.pay(owner, payload, "XTR", 1);
    TelegramStub.Purchase otherCurrency = TELEGRAM.pay(owner, payload, "USD", 50);

    for (TelegramStub.Purchase refused : List.of(foreign, unknown, cheaper, otherCurrency)) {
      assertThat(refused.paid()).isFalse();
      assertThat(refused.answer().ok()).isFalse();
      assertThat(refused.answer().errorMessage()).isNotBlank();
    }
    assertThat(available(owner)).isEqualTo(1);
    assertThat(available(other)).isEqualTo(1);
    // The owner can still pay it on its terms.
    assertThat(TELEGRAM.pay(owner, link).paid()).isTrue();
    assertThat(available(owner)).isEqualTo(51);
    assertMoneyHolds(owner);
    assertMoneyHolds(other);
  }

  @Test
  void an_invoice_is_paid_once_a_second_checkout_of_it_is_refused() {
    long user = newUserId();
    grant(user, 1);
    String link = invoice(user, PACK, null).path("invoice_link").asString();

    TelegramStub.Purchase first = TELEGRAM.pay(user, link);
    TelegramStub.Purchase again = TELEGRAM.pay(user, link);

    assertThat(first.paid()).isTrue();
    assertThat(again.paid()).isFalse();
    assertThat(again.answer().ok()).isFalse();
    assertThat(available(user)).isEqualTo(51);
    assertMoneyHolds(user);
  }

  @Test
  void the_checkout_answer_is_in_the_users_language() {
    long user = newUserId();
    grant(user, 1);
    Map<String, Object> query =
        new java.util.HashMap<>(
            TelegramStub.preCheckoutQuery(
                TELEGRAM.nextUpdateId(), "pcq-ru-" + user, user, "unknown", "XTR", 50));
    @SuppressWarnings("unchecked")
    Map<String, Object> body =
        new java.util.HashMap<>((Map<String, Object>) query.get("pre_checkout_query"));
    body.put(
        "from", Map.of("id", user, "is_bot", false, "first_name", "Тест", "language_code", "ru"));
    query.put("pre_checkout_query", body);

    assertThat(TELEGRAM.deliver(query)).isEqualTo(200);

    TelegramStub.CheckoutAnswer answer =
        TELEGRAM.checkoutAnswers().stream()
            .filter(a -> a.queryId().equals("pcq-ru-" + user))
            .findFirst()
            .orElseThrow();
    assertThat(answer.ok()).isFalse();
    assertThat(answer.errorMessage()).contains("счёт");
  }

  @Test
  void a_repeated_payment_update_grants_once() {
    long user = newUserId();
    grant(user, 1);
    String link = invoice(user, PACK, null).path("invoice_link").asString();
    String payload = TELEGRAM.invoice(link).payload();
    TelegramStub.Purchase paid = TELEGRAM.pay(user, link);

    Map<String, Object> again =
        TelegramStub.successfulPayment(
            TELEGRAM.nextUpdateId(), user, payload, "XTR", 50, paid.chargeId());
    assertThat(TELEGRAM.deliver(again)).isEqualTo(200);
    assertThat(TELEGRAM.deliver(again)).isEqualTo(200);

    assertThat(available(user)).isEqualTo(51);
    assertThat(count("SELECT count(*) FROM ledger WHERE user_id = :id AND kind = 'PURCHASE'", user))
        .isEqualTo(1);
    assertMoneyHolds(user);
  }

  @Test
  void twenty_concurrent_deliveries_of_one_successful_payment_grant_exactly_once() {
    long user = newUserId();
    grant(user, 1);
    String link = invoice(user, PACK, null).path("invoice_link").asString();
    String payload = TELEGRAM.invoice(link).payload();
    TELEGRAM.deliver(
        TelegramStub.preCheckoutQuery(
            TELEGRAM.nextUpdateId(), "pcq-c-" + user, user, payload, "XTR", 50));
    String charge = TELEGRAM.newChargeId();
    long updateId = TELEGRAM.nextUpdateId();
    // Half repeat one update (one gateway replica's retry), half come as other updates of the same
    // charge.
    List<Integer> statuses =
        Concurrently.run(
            20,
            i ->
                TELEGRAM.deliver(
                    TelegramStub.successfulPayment(
                        i % 2 == 0 ? updateId : TELEGRAM.nextUpdateId(),
                        user,
                        payload,
                        "XTR",
                        50,
                        charge)));

    assertThat(statuses).containsOnly(200);
    assertThat(available(user)).isEqualTo(51);
    assertThat(count("SELECT count(*) FROM ledger WHERE user_id = :id AND kind = 'PURCHASE'", user))
        .isEqualTo(1);
    assertThat(
            count(
                "SELECT count(*) FROM outbox WHERE event_type = 'PaymentReceived' AND payload LIKE '%' || CAST(:id AS text) || '%'",
                Long.toString(user)))
        .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM payment_anomalies WHERE user_id = :id", user)).isZero();
    assertMoneyHolds(user);
  }

  @Test
  void a_sixth_unpaid_invoice_is_429_without_a_link_and_paying_one_frees_a_place() {
    long user = newUserId();
    grant(user, 1);
    List<String> links = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      links.add(invoice(user, PACK, null).path("invoice_link").asString());
    }
    int linksBefore = TELEGRAM.invoices().size();

    HttpResponse<String> sixth =
        post("/api/payments/invoice", user, Map.of("pack_id", PACK), Map.of());

    assertThat(sixth.statusCode()).isEqualTo(429);
    assertThat(json(sixth).path("code").asString()).isEqualTo("RATE_LIMIT_EXCEEDED");
    assertThat(json(sixth).path("limit").asInt()).isEqualTo(5);
    assertThat(sixth.headers().firstValueAsLong("Retry-After").orElse(0)).isBetween(1L, 3601L);
    assertThat(TELEGRAM.invoices()).as("no link made").hasSize(linksBefore);
    assertThat(count("SELECT count(*) FROM payments WHERE user_id = :id", user)).isEqualTo(5);

    assertThat(TELEGRAM.pay(user, links.getFirst()).paid()).isTrue();
    invoice(user, PACK, null); // a paid one no longer counts
    assertMoneyHolds(user);
  }

  @Test
  void twenty_concurrent_invoices_of_one_user_make_exactly_five() throws Exception {
    long user = newUserId();
    grant(user, 1);
    List<HttpResponse<String>> answers =
        Concurrently.run(
            20, i -> post("/api/payments/invoice", user, Map.of("pack_id", PACK), Map.of()));

    assertThat(answers.stream().filter(a -> a.statusCode() == 200)).hasSize(5);
    assertThat(answers.stream().filter(a -> a.statusCode() == 429)).hasSize(15);
    assertThat(count("SELECT count(*) FROM payments WHERE user_id = :id", user)).isEqualTo(5);
  }

  @Test
  void an_expired_invoice_is_refused_at_checkout_and_purged_later_and_frees_a_place() {
    long user = newUserId();
    grant(user, 1);
    for (int i = 0; i < 5; i++) {
      invoice(user, PACK, null);
    }
    String link =
        jdbc.sql("SELECT invoice_link FROM payments WHERE user_id = :u LIMIT 1")
            .param("u", user)
            .query(String.class)
            .single();
    try {
      clock.advance(Duration.ofMinutes(61));
      TelegramStub.Purchase late = TELEGRAM.pay(user, link);

      assertThat(late.paid()).isFalse();
      assertThat(late.answer().ok()).isFalse();
      assertThat(late.answer().errorMessage()).contains("expired");
      invoice(user, PACK, null); // the expired five no longer count

      clock.advance(Duration.ofDays(1));
      invoiceHousekeeping.purge();
      assertThat(count("SELECT count(*) FROM payments WHERE user_id = :id", user))
          .as("the five made before the TTL and a day purged, the new one kept")
          .isEqualTo(1);
    } finally {
      clock.reset();
    }
    assertThat(available(user)).isEqualTo(1);
    assertMoneyHolds(user);
  }

  @Test
  void invoices_of_a_banned_user_and_of_a_disabled_pack_are_refused_at_checkout() {
    long banned = newUserId();
    long buyer = newUserId();
    grant(banned, 1);
    grant(buyer, 1);
    admin(
        "PUT",
        "/api/admin/credit-packs/gone-" + buyer,
        "{\"title\":\"Gone\",\"credits\":100,\"stars\":60}",
        null);
    String bannedLink = invoice(banned, PACK, null).path("invoice_link").asString();
    String goneLink = invoice(buyer, "gone-" + buyer, null).path("invoice_link").asString();
    admin("POST", "/api/admin/users/" + banned + "/ban", null, null);
    admin(
        "PUT",
        "/api/admin/credit-packs/gone-" + buyer,
        "{\"title\":\"Gone\",\"credits\":100,\"stars\":60,\"enabled\":false}",
        null);

    TelegramStub.Purchase byBanned = TELEGRAM.pay(banned, bannedLink);
    TelegramStub.Purchase ofGone = TELEGRAM.pay(buyer, goneLink);

    assertThat(byBanned.paid()).isFalse();
    assertThat(byBanned.answer().ok()).isFalse();
    assertThat(ofGone.paid()).isFalse();
    assertThat(ofGone.answer().errorMessage()).contains("no longer on sale");
    assertThat(available(banned)).isEqualTo(1);
    assertThat(available(buyer)).isEqualTo(1);
    assertMoneyHolds(buyer);
  }

  @Test
  void checkouts_racing_the_disabling_of_their_pack_are_ok_only_before_it() throws Exception {
    long buyer = newUserId();
    grant(buyer, 1);
    String pack = "race-" + buyer;
    admin(
        "PUT",
        "/api/admin/credit-packs/" + pack,
        "{\"title\":\"Race\",\"credits\":10,\"stars\":5}",
        null);
    List<String> payloads = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      payloads.add(
          TELEGRAM.invoice(invoice(buyer, pack, null).path("invoice_link").asString()).payload());
    }
    List<TelegramStub.Purchase> purchases =
        Concurrently.run(
            6,
            i -> {
              if (i == 5) {
                admin(
                    "PUT",
                    "/api/admin/credit-packs/" + pack,
                    "{\"title\":\"Race\",\"credits\":10,\"stars\":5,\"enabled\":false}",
                    null);
                return null;
              }
              return TELEGRAM.pay(buyer, payloads.get(i), "XTR", 5);
            });

    // Every checkout was decided on one side of the disabling: an ok one was answered before it
    // committed, and any checkout after it is refused.
    for (TelegramStub.Purchase purchase : purchases.subList(0, 5)) {
      if (purchase.answer().ok()) {
        assertThat(purchase.paid()).isTrue();
      } else {
        assertThat(purchase.answer().errorMessage()).contains("no longer on sale");
      }
    }
    long paid = purchases.subList(0, 5).stream().filter(TelegramStub.Purchase::paid).count();
    assertThat(available(buyer)).isEqualTo(1 + 10 * paid);
    for (String payload : payloads) {
      assertThat(TELEGRAM.pay(buyer, payload, "XTR", 5).paid()).isFalse();
    }
    assertMoneyHolds(buyer);
  }

  @Test
  void a_payment_after_a_price_change_is_honoured_at_the_invoices_terms() {
    long user = newUserId();
    grant(user, 1);
    admin(
        "PUT",
        "/api/admin/credit-packs/promo-" + user,
        "{\"title\":\"Promo\",\"credits\":100,\"stars\":60}",
        null);
    String link = invoice(user, "promo-" + user, null).path("invoice_link").asString();
    admin(
        "PUT",
        "/api/admin/credit-packs/promo-" + user,
        "{\"title\":\"Promo\",\"credits\":80,\"stars\":90}",
        null);

    TelegramStub.Purchase purchase = TELEGRAM.pay(user, link);

    assertThat(TELEGRAM.invoice(link).amount()).isEqualTo(60);
    assertThat(purchase.paid()).isTrue();
    assertThat(available(user)).isEqualTo(101);
    assertMoneyHolds(user);
  }

  @Test
  void stars_no_invoice_can_take_are_refunded_and_never_credited() {
    long user = newUserId();
    grant(user, 1);
    String charge = TELEGRAM.newChargeId();

    int status =
        TELEGRAM.deliver(
            TelegramStub.successfulPayment(
                TELEGRAM.nextUpdateId(), user, "forged-payload", "XTR", 500, charge));

    assertThat(status).isEqualTo(200);
    assertThat(available(user)).isEqualTo(1);
    assertThat(TELEGRAM.refunds()).contains(new TelegramStub.Refund(user, charge));
    assertThat(
            count(
                "SELECT count(*) FROM payment_anomalies WHERE telegram_payment_charge_id = :id AND refunded",
                charge))
        .isEqualTo(1);
    JsonNode anomalies =
        json(admin("GET", "/api/admin/payments/anomalies", null, null)).path("items");
    assertThat(anomalies.findValuesAsString("telegram_payment_charge_id")).contains(charge);
    assertMoneyHolds(user);
  }

  @Test
  void a_refund_takes_the_credits_back_and_returns_the_stars_once() {
    long user = newUserId();
    grant(user, 2);
    String charge = buy(user, PACK);

    HttpResponse<String> refund =
        admin("POST", "/api/admin/payments/" + charge + "/refund", null, "refund-1");
    HttpResponse<String> replay =
        admin("POST", "/api/admin/payments/" + charge + "/refund", null, "refund-1");
    HttpResponse<String> twice =
        admin("POST", "/api/admin/payments/" + charge + "/refund", null, "refund-2");

    assertThat(refund.statusCode()).as(refund.body()).isEqualTo(200);
    assertThat(json(refund).path("credits_taken_back").asLong()).isEqualTo(50);
    assertThat(replay.body()).isEqualTo(refund.body());
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(twice.statusCode()).isEqualTo(409);
    assertThat(json(twice).path("code").asString()).isEqualTo("PAYMENT_NOT_REFUNDABLE");
    assertThat(available(user)).isEqualTo(2);
    assertThat(TELEGRAM.refunds().stream().filter(r -> r.chargeId().equals(charge))).hasSize(1);
    assertThat(
            jdbc.sql("SELECT status FROM payments WHERE telegram_payment_charge_id = :c")
                .param("c", charge)
                .query(String.class)
                .single())
        .isEqualTo("refunded");
    assertMoneyHolds(user);
  }

  @Test
  void a_refund_of_spent_credits_is_409_and_moves_nothing() {
    long user = newUserId();
    String charge = buy(user, PACK);
    assertThat(start(user, "flux-pro", "spend some").statusCode()).isEqualTo(202); // 4 credits held

    HttpResponse<String> refund =
        admin("POST", "/api/admin/payments/" + charge + "/refund", null, "refund-spent");

    assertThat(refund.statusCode()).isEqualTo(409);
    assertThat(json(refund).path("code").asString()).isEqualTo("PAYMENT_NOT_REFUNDABLE");
    assertThat(available(user)).isEqualTo(46);
    assertThat(TELEGRAM.refunds().stream().filter(r -> r.chargeId().equals(charge))).isEmpty();
    assertMoneyHolds(user);
  }

  @Test
  void a_refund_telegram_refuses_leaves_the_credits_and_the_payment_as_they_were() {
    long user = newUserId();
    String charge = buy(user, PACK);
    TELEGRAM.failRefunds(500, 1);

    HttpResponse<String> refund =
        admin("POST", "/api/admin/payments/" + charge + "/refund", null, "refund-fails");
    HttpResponse<String> retried =
        admin("POST", "/api/admin/payments/" + charge + "/refund", null, "refund-fails");

    assertThat(refund.statusCode()).isEqualTo(503);
    assertThat(retried.statusCode()).isEqualTo(200);
    assertThat(available(user)).isZero();
    assertThat(count("SELECT count(*) FROM ledger WHERE user_id = :id AND kind = 'REFUND'", user))
        .isEqualTo(1);
    assertMoneyHolds(user);
  }

  @Test
  void a_refund_of_an_unknown_charge_is_404_and_one_without_a_key_400() {
    HttpResponse<String> unknown =
        admin("POST", "/api/admin/payments/no-such-charge/refund", null, "k-unknown");
    HttpResponse<String> keyless =
        admin("POST", "/api/admin/payments/no-such-charge/refund", null, null);
    HttpResponse<String> anonymous =
        send(
            java.net.http.HttpRequest.newBuilder(uri("/api/admin/payments/x/refund"))
                .header("Idempotency-Key", "k")
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                .build());

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json(unknown).path("code").asString()).isEqualTo("PAYMENT_NOT_FOUND");
    assertThat(keyless.statusCode()).isEqualTo(400);
    assertThat(anonymous.statusCode()).isEqualTo(401);
  }

  @Test
  void a_refund_made_elsewhere_takes_back_what_is_available_and_records_the_rest_owed() {
    long user = newUserId();
    JsonNode invoice = invoice(user, PACK, null);
    String link = invoice.path("invoice_link").asString();
    String payload = TELEGRAM.invoice(link).payload();
    String charge = TELEGRAM.pay(user, link).chargeId();
    assertThat(start(user, "dall-e-3", "spend five").statusCode())
        .isEqualTo(202); // 5 held, 45 available
    Map<String, Object> refunded =
        TelegramStub.refundedPayment(TELEGRAM.nextUpdateId(), user, payload, "XTR", 50, charge);

    assertThat(TELEGRAM.deliver(refunded)).isEqualTo(200);
    assertThat(TELEGRAM.deliver(refunded)).isEqualTo(200);

    assertThat(available(user)).isZero();
    UUID payment = UUID.fromString(invoice.path("payment_id").asString());
    assertThat(status(payment)).isEqualTo("refunded");
    assertThat(count("SELECT refund_owed FROM payments WHERE id = :id", payment)).isEqualTo(5);
    assertThat(
            count(
                "SELECT sum(amount) FROM ledger WHERE payment_id = :id AND kind = 'REFUND'",
                payment))
        .isEqualTo(45);
    JsonNode totals = json(admin("GET", "/api/admin/payments/totals", null, null));
    assertThat(totals.path("refund_owed").asLong()).isGreaterThanOrEqualTo(5);
    JsonNode listed =
        json(admin("GET", "/api/admin/payments?user_id=" + user, null, null)).path("items").path(0);
    assertThat(listed.path("refund_owed").asLong()).isEqualTo(5);
    assertMoneyHolds(user);

    // The 5 still owed are collected from the next purchase, once, whatever is delivered twice.
    String nextLink = invoice(user, PACK, null).path("invoice_link").asString();
    String next = TELEGRAM.pay(user, nextLink).chargeId();
    Map<String, Object> paidAgain =
        TelegramStub.successfulPayment(
            TELEGRAM.nextUpdateId(), user, TELEGRAM.invoice(nextLink).payload(), "XTR", 50, next);
    assertThat(TELEGRAM.deliver(paidAgain)).isEqualTo(200);
    assertThat(available(user)).isEqualTo(45);
    assertThat(count("SELECT refund_owed FROM payments WHERE id = :id", payment)).isZero();
    assertThat(
            count(
                "SELECT sum(amount) FROM ledger WHERE payment_id = :id AND kind = 'REFUND'",
                payment))
        .isEqualTo(50);
    assertThat(json(get("/api/me", user)).path("credits_available").asLong()).isEqualTo(45);
    // And a purchase after that pays nothing more.
    buy(user, PACK);
    assertThat(available(user)).isEqualTo(95);
    assertMoneyHolds(user);
  }

  @Test
  void a_refund_made_elsewhere_racing_purchases_is_taken_back_whole_and_exactly_once() {
    for (int round = 0; round < 4; round++) {
      long user = newUserId();
      JsonNode first = invoice(user, PACK, null);
      String firstLink = first.path("invoice_link").asString();
      String firstPayload = TELEGRAM.invoice(firstLink).payload();
      String firstCharge = TELEGRAM.pay(user, firstLink).chargeId();
      assertThat(start(user, "dall-e-3", "held " + user).statusCode()).isEqualTo(202);
      // Three more invoices, checked out, whose payments arrive together with the refund.
      List<Map<String, Object>> updates = new java.util.ArrayList<>();
      updates.add(
          TelegramStub.refundedPayment(
              TELEGRAM.nextUpdateId(), user, firstPayload, "XTR", 50, firstCharge));
      for (int i = 0; i < 3; i++) {
        String payload =
            TELEGRAM.invoice(invoice(user, PACK, null).path("invoice_link").asString()).payload();
        TELEGRAM.deliver(
            TelegramStub.preCheckoutQuery(
                TELEGRAM.nextUpdateId(), "pcq-r-" + user + "-" + i, user, payload, "XTR", 50));
        updates.add(
            TelegramStub.successfulPayment(
                TELEGRAM.nextUpdateId(), user, payload, "XTR", 50, TELEGRAM.newChargeId()));
      }

      List<Integer> statuses = Concurrently.run(4, i -> TELEGRAM.deliver(updates.get(i)));

      // Whatever the order: 200 bought, 5 held, the refunded 50 taken back, nothing owed.
      assertThat(statuses).containsOnly(200);
      UUID refunded = UUID.fromString(first.path("payment_id").asString());
      assertThat(available(user)).isEqualTo(145);
      assertThat(count("SELECT refund_owed FROM payments WHERE id = :id", refunded)).isZero();
      assertThat(
              count(
                  "SELECT sum(amount) FROM ledger WHERE payment_id = :id AND kind = 'REFUND'",
                  refunded))
          .isEqualTo(50);
      assertMoneyHolds(user);
    }
  }

  @Test
  void the_bot_answers_start_balance_and_paysupport_in_the_users_language_once_per_update() {
    long user = newUserId();
    grant(user, 7);
    long balanceUpdate = TELEGRAM.nextUpdateId();

    TELEGRAM.deliver(TelegramStub.text(TELEGRAM.nextUpdateId(), user, "en", "/start"));
    TELEGRAM.deliver(TelegramStub.text(balanceUpdate, user, "ru", "/balance"));
    TELEGRAM.deliver(TelegramStub.text(balanceUpdate, user, "ru", "/balance"));
    TELEGRAM.deliver(
        TelegramStub.text(TELEGRAM.nextUpdateId(), user, "uz", "/paysupport@NanoGenBot"));

    List<TelegramStub.Message> replies = TELEGRAM.messagesTo(user);
    assertThat(replies).hasSize(3);
    assertThat(replies.get(0).fields().get("text").toString()).contains("Welcome");
    assertThat(replies.get(1).fields().get("text").toString()).contains("7").contains("баланс");
    assertThat(replies.get(2).fields().get("text").toString()).contains("To‘lov");
  }
}

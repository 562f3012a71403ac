package dev.nanogen.gateway.payments;

import dev.nanogen.gateway.i18n.UserLocale;
import dev.nanogen.gateway.ledger.Credits;
import dev.nanogen.gateway.outbox.Outbox;
import dev.nanogen.model.PaymentReceived;
import dev.nanogen.model.Topics;
import dev.nanogen.ops.telegram.BotApi;
import dev.nanogen.ops.telegram.TelegramError;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.MessageSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the bot's payment updates do (the webhook hands them over):
 *
 * <ul>
 *   <li>{@link #checkout}: a pre_checkout_query is answered at once, ok only for a created payment
 *       of the same user on the invoice's terms, within NANOGEN_INVOICE_TTL, of a pack still
 *       enabled and a user not banned; ok also reserves the payment for that query, so one invoice
 *       is paid at most once;
 *   <li>{@link #received}: a successful_payment marks the payment paid with its charge, adds the
 *       credits (one PURCHASE row) and queues the chat confirmation, in the caller's transaction;
 *       Stars no invoice can take are refunded and recorded as an anomaly, never credited;
 *   <li>{@link #refundedElsewhere}: a refunded_payment for a paid payment takes back what is still
 *       available and records the rest as owed, collected from the user's next purchases.
 * </ul>
 */
@Component
public class PaymentUpdates {
  private static final Logger log = LoggerFactory.getLogger(PaymentUpdates.class);

  /** A pre_checkout_query. */
  public record Checkout(
      String queryId,
      long fromId,
      String languageCode,
      String currency,
      long totalAmount,
      String payload) {}

  /** A message's successful_payment or refunded_payment, with the message's sender. */
  public record Charge(
      long fromId, String currency, long totalAmount, String payload, String chargeId) {}

  private final Payments payments;
  private final Credits credits;
  private final Outbox outbox;
  private final BotApi telegram;
  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final MessageSource messages;
  private final Clock clock;
  private final PaymentMetrics metrics;
  private final PaymentsProperties settings;

  PaymentUpdates(
      Payments payments,
      Credits credits,
      Outbox outbox,
      BotApi telegram,
      JdbcClient jdbc,
      TransactionTemplate tx,
      MessageSource messages,
      Clock clock,
      PaymentMetrics metrics,
      PaymentsProperties settings) {
    this.settings = settings;
    this.payments = payments;
    this.credits = credits;
    this.outbox = outbox;
    this.telegram = telegram;
    this.jdbc = jdbc;
    this.tx = tx;
    this.messages = messages;
    this.clock = clock;
    this.metrics = metrics;
  }

  /**
   * Decides and answers (answerPreCheckoutQuery) a pre-checkout. The decision commits first; an ok
   * that cannot be delivered frees the payment again. A repeated query gets the same answer.
   */
  public void checkout(Checkout query) {
    String refusal = tx.execute(status -> decide(query));
    boolean ok = refusal == null;
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("pre_checkout_query_id", query.queryId());
    answer.put("ok", ok);
    if (!ok) {
      answer.put(
          "error_message",
          messages.getMessage(refusal, null, UserLocale.supported(query.languageCode())));
    }
    try {
      telegram.call("answerPreCheckoutQuery", answer);
      metrics.checkout(ok);
    } catch (TelegramError e) {
      log.warn(
          "answerPreCheckoutQuery {} ({}) failed: {}",
          query.queryId(),
          ok ? "ok" : "refused",
          e.getMessage());
      if (ok) {
        tx.executeWithoutResult(
            status ->
                payments
                    .lockByPayload(query.payload())
                    .ifPresent(p -> payments.releaseCheckout(p.id(), query.queryId())));
      }
    }
  }

  /** Null when the checkout may go on; else the message key of the refusal. */
  private String decide(Checkout query) {
    Optional<Payments.Payment> found =
        query.payload() == null ? Optional.empty() : payments.lockForCheckout(query.payload());
    if (found.isEmpty() || found.get().userId() != query.fromId()) {
      log.warn(
          "pre-checkout {} refused: no payment of user {} has its payload",
          query.queryId(),
          query.fromId());
      return "checkout.unknown";
    }
    Payments.Payment payment = found.get();
    if (!CreateInvoice.CURRENCY.equals(query.currency())
        || query.totalAmount() != payment.stars()) {
      log.warn(
          "pre-checkout {} refused: {} {} for payment {} of {} XTR",
          query.queryId(),
          query.totalAmount(),
          query.currency(),
          payment.id(),
          payment.stars());
      return "checkout.changed";
    }
    String refusal = refusal(payment);
    if (refusal != null) {
      log.warn("pre-checkout {} refused: payment {}: {}", query.queryId(), payment.id(), refusal);
      return refusal;
    }
    if (!payments.claimCheckout(payment.id(), query.queryId(), now())) {
      log.warn(
          "pre-checkout {} refused: payment {} is {} or taken by another checkout",
          query.queryId(),
          payment.id(),
          payment.status());
      return "checkout.unknown";
    }
    return null;
  }

  /**
   * Why an invoice can no longer be paid (a message key), or null: its user is banned, its pack was
   * disabled after it was made, or it is past NANOGEN_INVOICE_TTL.
   */
  private String refusal(Payments.Payment payment) {
    if (payment.userBanned()) {
      return "checkout.banned";
    }
    if (!payment.packEnabled()) {
      return "checkout.unavailable";
    }
    if (payment.status().equals(Payments.CREATED)
        && !now().isBefore(payment.createdAt().plus(settings.invoiceTtl()))) {
      return "checkout.expired";
    }
    return null;
  }

  /**
   * A successful_payment, in the caller's transaction (which also records the update as handled).
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public void received(Charge charge) {
    Optional<Payments.Payment> found =
        charge.payload() == null ? Optional.empty() : payments.lockByPayload(charge.payload());
    if (found.isEmpty()) {
      anomaly(charge, null, "unknown_payload");
      return;
    }
    Payments.Payment payment = found.get();
    if (charge.chargeId().equals(payment.telegramPaymentChargeId())) {
      log.info("payment {}: charge already recorded", payment.id());
      return;
    }
    if (!payment.status().equals(Payments.CREATED)) {
      anomaly(charge, payment.id(), "paid_twice");
      return;
    }
    if (payment.userId() != charge.fromId()
        || !CreateInvoice.CURRENCY.equals(charge.currency())
        || charge.totalAmount() != payment.stars()) {
      anomaly(charge, payment.id(), "other_terms");
      return;
    }
    Instant now = now();
    payments.markPaid(payment.id(), charge.chargeId(), now);
    Credits.Balance balance =
        credits.purchase(
            payment.userId(),
            payment.id(),
            payment.credits(),
            "bought " + payment.packTitle() + " for " + payment.stars() + " stars");
    long available = balance.creditsAvailable() - collectOwed(payment.userId());
    outbox.append(
        Topics.SETTLED,
        payment.id(),
        new PaymentReceived(
            UUID.randomUUID(),
            now,
            PaymentReceived.SCHEMA_VERSION,
            payment.id(),
            payment.userId(),
            payment.userId(),
            payment.languageCode(),
            payment.packTitle(),
            payment.credits(),
            payment.stars(),
            available));
    metrics.paid(payment.packId(), payment.stars());
    log.info(
        "payment {} paid: {} credits added for {} stars",
        payment.id(),
        payment.credits(),
        payment.stars());
  }

  /**
   * Collects what refunds made outside the bot still have owed, oldest first, from the credits
   * available (a REFUND row per payment collected from); answers the credits taken.
   */
  private long collectOwed(long userId) {
    long total = 0;
    for (Payments.Owed owed : payments.lockOwed(userId)) {
      long taken =
          credits.refundAvailable(
              userId, owed.paymentId(), owed.credits(), "owed for stars refunded by Telegram");
      if (taken > 0) {
        payments.collected(owed.paymentId(), taken);
        total += taken;
        log.info(
            "payment {}: {} of {} owed credits collected", owed.paymentId(), taken, owed.credits());
      }
      if (taken < owed.credits()) {
        break;
      }
    }
    return total;
  }

  /** A refunded_payment (a refund made outside the bot), in the caller's transaction. */
  @Transactional(propagation = Propagation.MANDATORY)
  public void refundedElsewhere(Charge charge) {
    Optional<Payments.Payment> found = payments.lockByCharge(charge.chargeId());
    if (found.isEmpty() || !found.get().status().equals(Payments.PAID)) {
      log.info(
          "refunded_payment for charge {}: nothing to take back ({})",
          charge.chargeId(),
          found.map(Payments.Payment::status).orElse("no payment"));
      return;
    }
    Payments.Payment payment = found.get();
    long taken =
        credits.refundAvailable(
            payment.userId(), payment.id(), payment.credits(), "stars refunded by Telegram");
    payments.markRefunded(payment.id(), payment.credits() - taken, now());
    metrics.refunded("telegram", payment.stars());
    log.warn(
        "payment {} refunded outside the bot: {} of {} credits taken back, {} owed",
        payment.id(),
        taken,
        payment.credits(),
        payment.credits() - taken);
  }

  /**
   * Stars that no invoice can take: recorded (once per charge) and refunded at once, never
   * credited. Refunded inside the transaction, so that a refund Telegram refused is recorded as
   * such.
   */
  private void anomaly(Charge charge, UUID paymentId, String reason) {
    metrics.anomaly(reason);
    int recorded =
        jdbc.sql(
                """
                INSERT INTO payment_anomalies (telegram_payment_charge_id, user_id, payment_id, stars, reason, created_at)
                VALUES (:charge, :userId, :paymentId, :stars, :reason, :now)
                ON CONFLICT (telegram_payment_charge_id) DO NOTHING
                """)
            .param("charge", charge.chargeId())
            .param("userId", charge.fromId())
            .param("paymentId", paymentId)
            .param("stars", charge.totalAmount())
            .param("reason", reason)
            .param("now", Timestamp.from(now()))
            .update();
    if (recorded == 0) {
      return;
    }
    log.error(
        "charge {} of user {} ({} {}) taken by no invoice ({}): refunding",
        charge.chargeId(),
        charge.fromId(),
        charge.totalAmount(),
        charge.currency(),
        reason);
    try {
      telegram.call(
          "refundStarPayment",
          Map.of("user_id", charge.fromId(), "telegram_payment_charge_id", charge.chargeId()));
      jdbc.sql(
              "UPDATE payment_anomalies SET refunded = TRUE WHERE telegram_payment_charge_id = :charge")
          .param("charge", charge.chargeId())
          .update();
    } catch (TelegramError e) {
      log.error(
          "refund of charge {} failed: {}; an admin must refund it",
          charge.chargeId(),
          e.getMessage());
    }
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }
}

package dev.nanogen.gateway.payments;

import dev.nanogen.gateway.admin.AdminAudit;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.idempotency.Answer;
import dev.nanogen.gateway.idempotency.IdempotencyKeys;
import dev.nanogen.gateway.ledger.Credits;
import dev.nanogen.ops.telegram.BotApi;
import dev.nanogen.ops.telegram.TelegramError;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.annotation.Nullable;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * An admin's refund of a paid payment, in ONE transaction that holds the payment's row lock while
 * Telegram is asked: the pack's credits are taken back (all of them, or 409 PAYMENT_NOT_REFUNDABLE
 * and nothing moves), the payment becomes refunded, then refundStarPayment is called; if Telegram
 * refuses or cannot be reached the transaction rolls back and the credits stay. Idempotent under
 * the required key, like every admin credit movement.
 */
@Component
class RefundPayment {
  private static final Logger log = LoggerFactory.getLogger(RefundPayment.class);
  static final String SCOPE = "admin-refund";

  @Schema(name = "RefundResult")
  record Response(
      UUID paymentId,
      @Nullable String telegramPaymentChargeId,
      long userId,
      @Schema(allowableValues = {"created", "paid", "refunded"}) String status,
      long creditsTakenBack,
      long stars) {}

  private final Payments payments;
  private final Credits credits;
  private final IdempotencyKeys keys;
  private final AdminAudit audit;
  private final BotApi telegram;
  private final TransactionTemplate tx;
  private final JsonMapper json;
  private final Clock clock;
  private final PaymentMetrics metrics;

  RefundPayment(
      Payments payments,
      Credits credits,
      IdempotencyKeys keys,
      AdminAudit audit,
      BotApi telegram,
      TransactionTemplate tx,
      JsonMapper json,
      Clock clock,
      PaymentMetrics metrics) {
    this.payments = payments;
    this.credits = credits;
    this.keys = keys;
    this.audit = audit;
    this.telegram = telegram;
    this.tx = tx;
    this.json = json;
    this.clock = clock;
    this.metrics = metrics;
  }

  Answer refund(String charge, String header) {
    String key = IdempotencyKeys.requiredKey(header);
    String fingerprint = keys.fingerprint(Map.of("telegram_payment_charge_id", charge));
    return tx.execute(
        status -> {
          Optional<Payments.Payment> found = payments.lockByCharge(charge);
          Optional<IdempotencyKeys.Stored> stored =
              keys.replay(IdempotencyKeys.ADMIN, SCOPE, key, fingerprint);
          if (stored.isPresent()) {
            return Answer.replay(stored.get());
          }
          Payments.Payment payment =
              found.orElseThrow(
                  () ->
                      new AppError(ErrorCode.PAYMENT_NOT_FOUND, "no payment has charge " + charge));
          if (!payment.status().equals(Payments.PAID)) {
            throw new AppError(
                ErrorCode.PAYMENT_NOT_REFUNDABLE,
                "payment " + payment.id() + " is " + payment.status());
          }
          if (!credits.refundAll(
              payment.userId(), payment.id(), payment.credits(), "payment refunded by an admin")) {
            throw new AppError(
                ErrorCode.PAYMENT_NOT_REFUNDABLE,
                "user "
                    + payment.userId()
                    + " has fewer than the "
                    + payment.credits()
                    + " credits bought available");
          }
          payments.markRefunded(payment.id(), 0, clock.instant().truncatedTo(ChronoUnit.MICROS));
          audit.record(
              "refund",
              payment.userId(),
              payment.credits()
                  + " credits, "
                  + payment.stars()
                  + " stars: payment "
                  + payment.id());
          try {
            telegram.call(
                "refundStarPayment",
                Map.of("user_id", payment.userId(), "telegram_payment_charge_id", charge));
          } catch (TelegramError.Final e) {
            throw new AppError(
                ErrorCode.PAYMENT_NOT_REFUNDABLE, "Telegram refused the refund: " + e.getMessage());
          } catch (TelegramError e) {
            throw new AppError(
                ErrorCode.SERVICE_UNAVAILABLE,
                "Telegram did not take the refund: " + e.getMessage());
          }
          String body =
              json.writeValueAsString(
                  new Response(
                      payment.id(),
                      charge,
                      payment.userId(),
                      Payments.REFUNDED,
                      payment.credits(),
                      payment.stars()));
          keys.save(IdempotencyKeys.ADMIN, SCOPE, key, fingerprint, 200, body);
          metrics.refunded("admin", payment.stars());
          log.info(
              "payment {} refunded: {} credits taken back, {} stars returned",
              payment.id(),
              payment.credits(),
              payment.stars());
          return Answer.first(200, body);
        });
  }
}

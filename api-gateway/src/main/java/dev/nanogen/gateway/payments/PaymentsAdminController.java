package dev.nanogen.gateway.payments;

import dev.nanogen.gateway.admin.AdminAudit;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.Problems;
import dev.nanogen.gateway.error.ValidationFailed;
import dev.nanogen.gateway.web.Cursor;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.annotation.Nullable;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The admin side of payments: packs, payments with their totals and anomalies, refunds. */
@Tag(name = "Admin")
@RestController
class PaymentsAdminController {
  private static final Set<String> STATUSES =
      Set.of(Payments.CREATED, Payments.PAID, Payments.REFUNDED);

  private final CreditPacks packs;
  private final Payments payments;
  private final RefundPayment refunds;
  private final AdminAudit audit;
  private final JdbcClient jdbc;
  private final TransactionTemplate tx;

  PaymentsAdminController(
      CreditPacks packs,
      Payments payments,
      RefundPayment refunds,
      AdminAudit audit,
      JdbcClient jdbc,
      TransactionTemplate tx) {
    this.packs = packs;
    this.payments = payments;
    this.refunds = refunds;
    this.audit = audit;
    this.jdbc = jdbc;
    this.tx = tx;
  }

  @Schema(name = "AdminCreditPacks")
  record AllPacks(List<CreditPacks.Pack> items) {}

  @Operation(operationId = "listAllCreditPacks")
  @GetMapping("/api/admin/credit-packs")
  AllPacks packs() {
    audit.record("view-credit-packs", null, "");
    return new AllPacks(packs.all());
  }

  @Problems({ErrorCode.VALIDATION_ERROR})
  @PutMapping(path = "/api/admin/credit-packs/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
  @Operation(
      operationId = "putCreditPack",
      summary = "Create or change a credit pack",
      description =
          "Invoices already made keep their terms: a payment is honoured at the price it was invoiced at.")
  CreditPacks.Pack savePack(@PathVariable String id, @RequestBody CreditPacks.Edit edit) {
    return tx.execute(
        status -> {
          CreditPacks.Pack saved = packs.save(id, edit);
          audit.record("credit-pack", null, saved.toString());
          return saved;
        });
  }

  @Problems({ErrorCode.VALIDATION_ERROR})
  @Operation(operationId = "listAdminPayments")
  @GetMapping("/api/admin/payments")
  Payments.AdminPage list(
      @RequestParam(name = "user_id", required = false) Long userId,
      @RequestParam(required = false) String status,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    if (status != null && !STATUSES.contains(status)) {
      throw ValidationFailed.of("status", "must be one of created, paid, refunded");
    }
    Payments.AdminPage page =
        payments.all(userId, status, Cursor.decode(cursor), Cursor.limit(limit));
    audit.record("view-payments", userId, status == null ? "" : "status " + status);
    return page;
  }

  /**
   * @param refundOwed credits refunded outside the bot that the users had already spent
   * @param anomalies Stars received that no invoice could take (each refunded, or waiting for an
   *     admin)
   */
  @Schema(name = "PaymentTotals")
  record Totals(
      long invoices,
      long paid,
      long refunded,
      long starsReceived,
      long starsRefunded,
      long creditsSold,
      long refundOwed,
      long anomalies,
      long anomaliesNotRefunded) {}

  @Problems({ErrorCode.VALIDATION_ERROR})
  @GetMapping("/api/admin/payments/totals")
  @Operation(
      operationId = "getPaymentTotals",
      summary = "Payment totals",
      description = "Over payments created in [from, to) (ISO-8601; default: all time).")
  Totals totals(
      @RequestParam(required = false) Instant from, @RequestParam(required = false) Instant to) {
    audit.record("view-payment-totals", null, from + " – " + to);
    return jdbc.sql(
            """
            SELECT count(*) AS invoices,
                   count(*) FILTER (WHERE status <> 'created') AS paid,
                   count(*) FILTER (WHERE status = 'refunded') AS refunded,
                   COALESCE(sum(stars) FILTER (WHERE status <> 'created'), 0) AS stars_received,
                   COALESCE(sum(stars) FILTER (WHERE status = 'refunded'), 0) AS stars_refunded,
                   COALESCE(sum(credits) FILTER (WHERE status = 'paid'), 0) AS credits_sold,
                   COALESCE(sum(refund_owed), 0) AS refund_owed,
                   (SELECT count(*) FROM payment_anomalies) AS anomalies,
                   (SELECT count(*) FROM payment_anomalies WHERE NOT refunded) AS anomalies_not_refunded
            FROM payments
            WHERE created_at >= COALESCE(CAST(:from AS timestamptz), '-infinity')
              AND created_at < COALESCE(CAST(:to AS timestamptz), 'infinity')
            """)
        .param("from", from == null ? null : Timestamp.from(from))
        .param("to", to == null ? null : Timestamp.from(to))
        .query(Totals.class)
        .single();
  }

  @Schema(name = "PaymentAnomaly")
  record Anomaly(
      String telegramPaymentChargeId,
      long userId,
      @Nullable java.util.UUID paymentId,
      long stars,
      String reason,
      boolean refunded,
      Instant createdAt) {}

  @Schema(name = "PaymentAnomalies")
  record Anomalies(List<Anomaly> items) {}

  @GetMapping("/api/admin/payments/anomalies")
  @Operation(
      operationId = "listPaymentAnomalies",
      summary = "Stars no invoice could take",
      description =
          "Unknown payload, another user's invoice, other terms, or a second charge of a paid invoice: never "
              + "credited, refunded at once; refunded=false means Telegram refused and an admin must look.")
  Anomalies anomalies() {
    audit.record("view-payment-anomalies", null, "");
    return new Anomalies(
        jdbc.sql(
                """
            SELECT telegram_payment_charge_id, user_id, payment_id, stars, reason, refunded, created_at
            FROM payment_anomalies ORDER BY created_at DESC LIMIT 500
            """)
            .query(
                (rs, n) ->
                    new Anomaly(
                        rs.getString(1),
                        rs.getLong(2),
                        rs.getObject(3, java.util.UUID.class),
                        rs.getLong(4),
                        rs.getString(5),
                        rs.getBoolean(6),
                        rs.getTimestamp(7).toInstant()))
            .list());
  }

  @Problems({
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.PAYMENT_NOT_FOUND,
    ErrorCode.PAYMENT_NOT_REFUNDABLE,
    ErrorCode.IDEMPOTENCY_KEY_REUSED
  })
  @ApiResponse(
      responseCode = "200",
      description = "refunded",
      content =
          @Content(
              mediaType = "application/json",
              schema = @Schema(implementation = RefundPayment.Response.class)))
  @PostMapping("/api/admin/payments/{charge}/refund")
  @Operation(
      operationId = "refundPayment",
      summary = "Refund a payment",
      description =
          "Takes the pack's credits back and returns the Stars (refundStarPayment). 409 "
              + "PAYMENT_NOT_REFUNDABLE when already refunded or the credits are spent (nothing moves); a Telegram error "
              + "leaves the credits untouched. Idempotency-Key required.")
  ResponseEntity<String> refund(
      @PathVariable String charge,
      @RequestHeader(name = "Idempotency-Key", required = false) String key) {
    return refunds.refund(charge, key).toResponse();
  }
}

package dev.nanogen.gateway.payments;

import dev.nanogen.gateway.web.Cursor;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.annotation.Nullable;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The payments table: one row per invoice, its state (created → paid → refunded) and the charge
 * that paid it. Every change of state is one conditional UPDATE on a row the caller has locked with
 * {@link #lockByPayload} or {@link #lockByCharge}.
 */
@Repository
class Payments {
  static final String CREATED = "created";
  static final String PAID = "paid";
  static final String REFUNDED = "refunded";

  private static final String COLUMNS =
      """
      p.id, p.user_id, p.pack_id, p.credits, p.stars, p.status, p.checkout_query_id,
      p.telegram_payment_charge_id, p.refund_owed, p.created_at, p.paid_at, p.refunded_at,
      p.title AS pack_title, u.language_code, u.banned AS user_banned, c.enabled AS pack_enabled
      """;

  private static final String FROM =
      " FROM payments p JOIN users u ON u.id = p.user_id JOIN credit_packs c ON c.id = p.pack_id ";

  /** A payment as stored; the invoice's terms are {@code credits} for {@code stars}. */
  @Schema(name = "AdminPayment")
  record Payment(
      UUID id,
      long userId,
      String packId,
      long credits,
      long stars,
      @Schema(allowableValues = {"created", "paid", "refunded"}) String status,
      @Nullable String checkoutQueryId,
      @Nullable String telegramPaymentChargeId,
      long refundOwed,
      Instant createdAt,
      @Nullable Instant paidAt,
      @Nullable Instant refundedAt,
      String packTitle,
      @Nullable String languageCode,
      boolean userBanned,
      boolean packEnabled) {}

  /** A payment as its user sees it (GET /api/payments). */
  @Schema(name = "PaymentView")
  record View(
      UUID paymentId,
      String packId,
      long credits,
      long stars,
      @Schema(allowableValues = {"created", "paid", "refunded"}) String status,
      Instant createdAt,
      @Nullable Instant paidAt) {
    static View of(Payment p) {
      return new View(
          p.id(), p.packId(), p.credits(), p.stars(), p.status(), p.createdAt(), p.paidAt());
    }
  }

  /** A page of the caller's payments. */
  @Schema(name = "PaymentPage")
  record UserPage(List<View> items, @Nullable String nextCursor) {}

  /** A page of payments as admins see them. */
  @Schema(name = "AdminPaymentPage")
  record AdminPage(List<Payment> items, @Nullable String nextCursor) {}

  private record Slice<T>(List<T> items, String nextCursor) {}

  private final JdbcClient jdbc;

  Payments(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  void insert(
      UUID id,
      long userId,
      CreditPacks.Pack pack,
      String payload,
      String invoiceLink,
      Instant now) {
    jdbc.sql(
            """
            INSERT INTO payments (id, user_id, pack_id, title, credits, stars, payload, invoice_link, created_at)
            VALUES (:id, :userId, :packId, :title, :credits, :stars, :payload, :link, :now)
            """)
        .param("id", id)
        .param("userId", userId)
        .param("packId", pack.id())
        .param("title", pack.title())
        .param("credits", pack.credits())
        .param("stars", pack.stars())
        .param("payload", payload)
        .param("link", invoiceLink)
        .param("now", Timestamp.from(now))
        .update();
  }

  Optional<Payment> lockByPayload(String payload) {
    return jdbc.sql("SELECT " + COLUMNS + FROM + "WHERE p.payload = :payload FOR UPDATE OF p")
        .param("payload", payload)
        .query(Payments::payment)
        .optional();
  }

  /**
   * The payment a pre-checkout names, locked; its user's and its pack's rows held shared, so that a
   * ban or a pack's disabling either commits before the decision (and is seen) or waits for it.
   */
  Optional<Payment> lockForCheckout(String payload) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + FROM
                + "WHERE p.payload = :payload FOR UPDATE OF p FOR SHARE OF u, c")
        .param("payload", payload)
        .query(Payments::payment)
        .optional();
  }

  /**
   * The user's invoices still payable: unpaid, made after {@code since}; the oldest first (its
   * expiry is when the next one may be made).
   */
  List<Instant> unpaidSince(long userId, Instant since) {
    return jdbc.sql(
            """
            SELECT created_at FROM payments
            WHERE user_id = :userId AND status = 'created' AND created_at > :since
            ORDER BY created_at
            """)
        .param("userId", userId)
        .param("since", Timestamp.from(since))
        .query((rs, row) -> rs.getTimestamp(1).toInstant())
        .list();
  }

  /**
   * Deletes up to {@code limit} invoices never paid and made before {@code before}; answers how
   * many.
   */
  int purgeUnpaid(Instant before, int limit) {
    return jdbc.sql(
            """
            DELETE FROM payments WHERE id IN (
              SELECT id FROM payments WHERE status = 'created' AND created_at < :before
              ORDER BY created_at LIMIT :limit)
            """)
        .param("before", Timestamp.from(before))
        .param("limit", limit)
        .update();
  }

  Optional<Payment> lockByCharge(String charge) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + FROM
                + "WHERE p.telegram_payment_charge_id = :charge FOR UPDATE OF p")
        .param("charge", charge)
        .query(Payments::payment)
        .optional();
  }

  /**
   * Records the pre-checkout answered ok for a created payment; false when it is no longer free.
   */
  boolean claimCheckout(UUID id, String queryId, Instant now) {
    return jdbc.sql(
                """
                UPDATE payments SET checkout_query_id = :query, checkout_at = :now
                WHERE id = :id AND status = 'created' AND (checkout_query_id IS NULL OR checkout_query_id = :query)
                """)
            .param("id", id)
            .param("query", queryId)
            .param("now", Timestamp.from(now))
            .update()
        == 1;
  }

  /** Frees a checkout whose ok answer never reached Telegram, so the invoice can be paid later. */
  void releaseCheckout(UUID id, String queryId) {
    jdbc.sql(
            "UPDATE payments SET checkout_query_id = NULL, checkout_at = NULL WHERE id = :id AND status = 'created' AND checkout_query_id = :query")
        .param("id", id)
        .param("query", queryId)
        .update();
  }

  void markPaid(UUID id, String charge, Instant now) {
    require(
        jdbc.sql(
                "UPDATE payments SET status = 'paid', telegram_payment_charge_id = :charge, paid_at = :now WHERE id = :id AND status = 'created'")
            .param("id", id)
            .param("charge", charge)
            .param("now", Timestamp.from(now))
            .update(),
        id);
  }

  void markRefunded(UUID id, long owed, Instant now) {
    require(
        jdbc.sql(
                "UPDATE payments SET status = 'refunded', refund_owed = :owed, refunded_at = :now WHERE id = :id AND status = 'paid'")
            .param("id", id)
            .param("owed", owed)
            .param("now", Timestamp.from(now))
            .update(),
        id);
  }

  /** Credits a refund made outside the bot could not take back, still owed on one payment. */
  record Owed(UUID paymentId, long credits) {}

  /**
   * The user's payments with credits still owed, oldest refund first, locked; rows another
   * transaction holds (a refund being recorded) are skipped, to be collected next time.
   */
  List<Owed> lockOwed(long userId) {
    return jdbc.sql(
            """
            SELECT id AS payment_id, refund_owed AS credits FROM payments
            WHERE user_id = :userId AND refund_owed > 0
            ORDER BY refunded_at, id
            FOR UPDATE SKIP LOCKED
            """)
        .param("userId", userId)
        .query(Owed.class)
        .list();
  }

  /** {@code credits} of a payment's debt collected. */
  void collected(UUID id, long credits) {
    require(
        jdbc.sql(
                "UPDATE payments SET refund_owed = refund_owed - :credits WHERE id = :id AND refund_owed >= :credits")
            .param("id", id)
            .param("credits", credits)
            .update(),
        id);
  }

  /** The caller's payments, newest first. */
  UserPage page(long userId, Cursor after, int size) {
    Slice<View> slice = page("WHERE p.user_id = :userId", userId, null, after, size, View::of);
    return new UserPage(slice.items(), slice.nextCursor());
  }

  /** Every user's payments (a status, or all), newest first: the admin view. */
  AdminPage all(Long userId, String status, Cursor after, int size) {
    Slice<Payment> slice =
        page(
            "WHERE (CAST(:userId AS bigint) IS NULL OR p.user_id = :userId) AND (CAST(:status AS text) IS NULL OR p.status = :status)",
            userId,
            status,
            after,
            size,
            p -> p);
    return new AdminPage(slice.items(), slice.nextCursor());
  }

  private <T> Slice<T> page(
      String where,
      Long userId,
      String status,
      Cursor after,
      int size,
      java.util.function.Function<Payment, T> view) {
    List<Payment> rows =
        jdbc.sql(
                "SELECT "
                    + COLUMNS
                    + FROM
                    + where
                    + """
                   AND (CAST(:afterAt AS timestamptz) IS NULL OR (p.created_at, p.id) < (:afterAt, :afterId))
                  ORDER BY p.created_at DESC, p.id DESC LIMIT :limit
                  """)
            .param("userId", userId)
            .param("status", status)
            .param("afterAt", after == null ? null : Timestamp.from(after.instant()))
            .param("afterId", after == null ? null : after.uuid())
            .param("limit", size + 1)
            .query(Payments::payment)
            .list();
    if (rows.size() <= size) {
      return new Slice<>(rows.stream().map(view).toList(), null);
    }
    Payment last = rows.get(size - 1);
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, last.createdAt());
    return new Slice<>(
        rows.subList(0, size).stream().map(view).toList(),
        new Cursor(micros, last.id().toString()).encode());
  }

  private static void require(int updated, UUID id) {
    if (updated != 1) {
      throw new IllegalStateException("payment " + id + " changed state under its lock");
    }
  }

  private static Payment payment(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
    return new Payment(
        rs.getObject("id", UUID.class),
        rs.getLong("user_id"),
        rs.getString("pack_id"),
        rs.getLong("credits"),
        rs.getLong("stars"),
        rs.getString("status"),
        rs.getString("checkout_query_id"),
        rs.getString("telegram_payment_charge_id"),
        rs.getLong("refund_owed"),
        instant(rs.getTimestamp("created_at")),
        instant(rs.getTimestamp("paid_at")),
        instant(rs.getTimestamp("refunded_at")),
        rs.getString("pack_title"),
        rs.getString("language_code"),
        rs.getBoolean("user_banned"),
        rs.getBoolean("pack_enabled"));
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}

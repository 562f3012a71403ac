package dev.nanogen.gateway.admin;

import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Proves the money invariants from the ledger, for every user: available ≥ 0, held ≥ 0, available +
 * held = grants + purchases − refunds ± adjustments − captures, held = the sum of open holds; that
 * no hold is open on a terminal generation; and that every payment's credits moved as its status
 * says (paid: one PURCHASE of its credits; refunded: that, and a REFUND of what the refund_owed
 * does not cover; created: neither). Every list is empty on a healthy system.
 */
@Component
public class Reconcile {
  private static final String USERS_OUT_OF_BALANCE =
      """
      WITH totals AS (
        SELECT user_id,
               COALESCE(sum(amount) FILTER (WHERE kind IN ('GRANT', 'ADJUST', 'PURCHASE')), 0)
                 - COALESCE(sum(amount) FILTER (WHERE kind IN ('CAPTURE', 'REFUND')), 0) AS expected_total
        FROM ledger GROUP BY user_id
      ), open_holds AS (
        SELECT user_id, sum(price) AS held FROM generations
        WHERE status IN ('pending', 'processing') GROUP BY user_id
      )
      SELECT u.id AS user_id, u.credits_available, u.credits_held,
             COALESCE(t.expected_total, 0) AS expected_total, COALESCE(h.held, 0) AS open_holds
      FROM users u
      LEFT JOIN totals t ON t.user_id = u.id
      LEFT JOIN open_holds h ON h.user_id = u.id
      WHERE u.credits_available < 0 OR u.credits_held < 0
         OR u.credits_available + u.credits_held <> COALESCE(t.expected_total, 0)
         OR u.credits_held <> COALESCE(h.held, 0)
      ORDER BY u.id
      LIMIT 1000
      """;

  /**
   * A generation that ended while its hold is not settled exactly: what was captured and released
   * differs from what was held, a completed one captured nothing, or a failed or cancelled one was
   * not released or captured something.
   */
  private static final String HOLDS_ON_TERMINAL =
      """
      SELECT g.id AS generation_id, g.user_id, g.status
      FROM generations g
      WHERE g.status IN ('completed', 'failed', 'cancelled')
        AND ((SELECT COALESCE(sum(l.amount), 0) FROM ledger l WHERE l.generation_id = g.id AND l.kind IN ('CAPTURE', 'RELEASE'))
               <> (SELECT COALESCE(sum(l.amount), 0) FROM ledger l WHERE l.generation_id = g.id AND l.kind = 'HOLD')
          OR g.status = 'completed' AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.generation_id = g.id AND l.kind = 'CAPTURE')
          OR g.status <> 'completed' AND (NOT EXISTS (SELECT 1 FROM ledger l WHERE l.generation_id = g.id AND l.kind = 'RELEASE')
                                          OR EXISTS (SELECT 1 FROM ledger l WHERE l.generation_id = g.id AND l.kind = 'CAPTURE')))
      ORDER BY g.id
      LIMIT 1000
      """;

  /** A payment whose ledger rows do not match its status. */
  private static final String PAYMENTS_OUT_OF_BALANCE =
      """
      SELECT p.id AS payment_id, p.user_id, p.status, p.credits,
             COALESCE(sum(l.amount) FILTER (WHERE l.kind = 'PURCHASE'), 0) AS purchased,
             COALESCE(sum(l.amount) FILTER (WHERE l.kind = 'REFUND'), 0) AS refunded,
             p.refund_owed
      FROM payments p LEFT JOIN ledger l ON l.payment_id = p.id
      GROUP BY p.id
      HAVING (p.status = 'created' AND count(l.id) > 0)
          OR (p.status <> 'created' AND COALESCE(sum(l.amount) FILTER (WHERE l.kind = 'PURCHASE'), 0) <> p.credits)
          OR (p.status = 'paid' AND (count(l.id) FILTER (WHERE l.kind = 'REFUND') > 0 OR p.refund_owed <> 0))
          OR (p.status = 'refunded' AND COALESCE(sum(l.amount) FILTER (WHERE l.kind = 'REFUND'), 0) + p.refund_owed <> p.credits)
      ORDER BY p.id
      LIMIT 1000
      """;

  public record PaymentOutOfBalance(
      java.util.UUID paymentId,
      long userId,
      String status,
      long credits,
      long purchased,
      long refunded,
      long refundOwed) {}

  public record UserOutOfBalance(
      long userId, long creditsAvailable, long creditsHeld, long expectedTotal, long openHolds) {}

  public record OpenHold(java.util.UUID generationId, long userId, String status) {}

  public record Report(
      List<UserOutOfBalance> usersOutOfBalance,
      List<OpenHold> holdsOnTerminalGenerations,
      List<PaymentOutOfBalance> paymentsOutOfBalance) {
    public boolean clean() {
      return usersOutOfBalance.isEmpty()
          && holdsOnTerminalGenerations.isEmpty()
          && paymentsOutOfBalance.isEmpty();
    }
  }

  private final JdbcClient jdbc;

  Reconcile(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  public Report run() {
    return new Report(
        jdbc.sql(USERS_OUT_OF_BALANCE).query(UserOutOfBalance.class).list(),
        jdbc.sql(HOLDS_ON_TERMINAL).query(OpenHold.class).list(),
        jdbc.sql(PAYMENTS_OUT_OF_BALANCE).query(PaymentOutOfBalance.class).list());
  }
}

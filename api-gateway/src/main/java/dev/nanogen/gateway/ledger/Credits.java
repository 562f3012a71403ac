package dev.nanogen.gateway.ledger;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The two-phase credit movements. Each is one conditional UPDATE of the user's balance plus one
 * append-only ledger row, inside the caller's transaction. The balance is never read, decided on in
 * Java and written back; the CHECK constraints (available ≥ 0, held ≥ 0) and the unique indexes (one
 * HOLD and one CAPTURE-or-RELEASE per generation) make a lost or doubled credit impossible even if a
 * caller were wrong.
 */
@Component
@Transactional(propagation = Propagation.MANDATORY)
public class Credits {
  private static final String HOLD =
      """
      UPDATE users SET credits_available = credits_available - :amount,
                       credits_held = credits_held + :amount, updated_at = :now
      WHERE id = :userId AND credits_available >= :amount
      RETURNING credits_available, credits_held
      """;

  private static final String CAPTURE =
      """
      UPDATE users SET credits_held = credits_held - :amount, updated_at = :now
      WHERE id = :userId AND credits_held >= :amount
      """;

  private static final String RELEASE =
      """
      UPDATE users SET credits_held = credits_held - :amount,
                       credits_available = credits_available + :amount, updated_at = :now
      WHERE id = :userId AND credits_held >= :amount
      """;

  private static final String APPEND =
      """
      INSERT INTO ledger (user_id, generation_id, kind, amount, reason, created_at)
      VALUES (:userId, :generationId, :kind, :amount, :reason, :now)
      """;

  /** Balances right after a movement. */
  public record Balance(long creditsAvailable, long creditsHeld) {}

  /** An explicit mapper: the start path maps this on every request (see Users.find). */
  private static Balance balance(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
    return new Balance(rs.getLong("credits_available"), rs.getLong("credits_held"));
  }

  private final JdbcClient jdbc;
  private final Clock clock;

  Credits(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  /** Moves {@code amount} from available to held; empty when the user has too little. */
  public Optional<Balance> hold(long userId, UUID generationId, long amount) {
    Optional<Balance> balance =
        jdbc.sql(HOLD)
            .param("userId", userId)
            .param("amount", amount)
            .param("now", now())
            .query(Credits::balance)
            .optional();
    balance.ifPresent(b -> append(userId, generationId, "HOLD", amount, "generation started"));
    return balance;
  }

  /** Turns a held {@code amount} into spent credits. */
  public void capture(long userId, UUID generationId, long amount, String reason) {
    move(CAPTURE, userId, amount);
    append(userId, generationId, "CAPTURE", amount, reason);
  }

  /** Returns a held {@code amount} to available. */
  public void release(long userId, UUID generationId, long amount, String reason) {
    move(RELEASE, userId, amount);
    append(userId, generationId, "RELEASE", amount, reason);
  }

  private void move(String sql, long userId, long amount) {
    int updated =
        jdbc.sql(sql).param("userId", userId).param("amount", amount).param("now", now()).update();
    if (updated != 1) {
      throw new IllegalStateException(
          "user " + userId + " holds less than " + amount + " credits: ledger out of balance");
    }
  }

  private void append(long userId, UUID generationId, String kind, long amount, String reason) {
    jdbc.sql(APPEND)
        .param("userId", userId)
        .param("generationId", generationId)
        .param("kind", kind)
        .param("amount", amount)
        .param("reason", reason)
        .param("now", now())
        .update();
  }

  private Timestamp now() {
    return Timestamp.from(clock.instant());
  }
}

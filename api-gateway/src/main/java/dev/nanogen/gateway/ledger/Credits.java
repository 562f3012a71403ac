package dev.nanogen.gateway.ledger;

import dev.nanogen.gateway.events.UserEvents;
import dev.nanogen.gateway.tx.Pipeline;
import dev.nanogen.gateway.tx.Pipelines;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.annotation.Nullable;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The owner of the ledger and of the balances it moves: every credit movement — the two phases of a
 * generation's price (hold, then capture or release), a payment's (purchase, refund), an operator's
 * grant or adjustment and the sign-up bonus — is one conditional UPDATE of the user's balance plus
 * one append-only ledger row, inside the caller's transaction; and the reads of both. The balance
 * is never read, decided on in Java and written back; the CHECK constraints (available ≥ 0, held ≥
 * 0) and the unique indexes (one HOLD and one CAPTURE-or-RELEASE per generation) make a lost or
 * doubled credit impossible even if a caller were wrong.
 */
@Component
@Transactional(propagation = Propagation.MANDATORY)
public class Credits {
  private static final String HOLD =
      """
      UPDATE users SET credits_available = credits_available - :amount,
                       credits_held = credits_held + :amount, updated_at = :now
      WHERE id = :userId AND credits_available >= :amount
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

  private static final String ADD =
      """
      UPDATE users SET credits_available = credits_available + :amount, updated_at = :now
      WHERE id = :userId
      RETURNING credits_available, credits_held
      """;

  /**
   * Locks the user's row and reads what is available. A statement of its own: a CTE that locks the
   * row inside the UPDATE reads the newest version while the UPDATE's own columns can still be the
   * version of the statement's snapshot, so a purchase committed meanwhile made it take from a
   * stale balance (and break the CHECK).
   */
  private static final String LOCK_AVAILABLE =
      "SELECT credits_available FROM users WHERE id = :userId FOR UPDATE";

  private static final String LOCK =
      "SELECT credits_available, credits_held FROM users WHERE id = :userId FOR UPDATE";

  private static final String TAKE =
      """
      UPDATE users SET credits_available = credits_available - :amount, updated_at = :now
      WHERE id = :userId
      """;

  private static final String TAKE_ALL =
      """
      UPDATE users SET credits_available = credits_available - :amount, updated_at = :now
      WHERE id = :userId AND credits_available >= :amount
      """;

  /** An operator's movement: a negative amount never takes available below zero. */
  private static final String OPERATOR_MOVE =
      """
      UPDATE users SET credits_available = credits_available + :amount, updated_at = :now
      WHERE id = :userId AND credits_available + :amount >= 0
      RETURNING credits_available, credits_held
      """;

  /** :afterId is the last ledger id seen (null for the first page); newest first. */
  private static final String ENTRIES =
      """
      SELECT id, generation_id, payment_id, kind, amount, reason, created_at FROM ledger
      WHERE user_id = :userId AND (CAST(:afterId AS bigint) IS NULL OR id < :afterId)
      ORDER BY id DESC
      LIMIT :limit
      """;

  private static final String APPEND =
      """
      INSERT INTO ledger (user_id, generation_id, payment_id, kind, amount, reason, created_at)
      VALUES (:userId, :generationId, :paymentId, :kind, :amount, :reason, :now)
      """;

  /** Balances right after a movement. */
  public record Balance(long creditsAvailable, long creditsHeld) {}

  /** One ledger row as the user's statement shows it. */
  @io.swagger.v3.oas.annotations.media.Schema(name = "LedgerEntry")
  public record Entry(
      long id,
      @Nullable UUID generationId,
      @Nullable UUID paymentId,
      @Schema(
              allowableValues = {
                "GRANT",
                "HOLD",
                "CAPTURE",
                "RELEASE",
                "ADJUST",
                "PURCHASE",
                "REFUND"
              })
          String kind,
      long amount,
      String reason,
      java.time.Instant createdAt) {}

  /** One movement of a generation's credits, as its admin view shows it. */
  @io.swagger.v3.oas.annotations.media.Schema(name = "AdminLedgerRow")
  public record Movement(
      @Schema(
              allowableValues = {
                "GRANT",
                "HOLD",
                "CAPTURE",
                "RELEASE",
                "ADJUST",
                "PURCHASE",
                "REFUND"
              })
          String kind,
      long amount,
      String reason,
      java.time.Instant createdAt) {}

  /** A generation's hold, capture and release, in order. */
  @Transactional(propagation = Propagation.SUPPORTS, readOnly = true)
  public java.util.List<Movement> ofGeneration(UUID generationId) {
    return jdbc.sql(
            "SELECT kind, amount, reason, created_at FROM ledger WHERE generation_id = :id ORDER BY id")
        .param("id", generationId)
        .query(Movement.class)
        .list();
  }

  /** An explicit mapper: the start path maps this on every request (see Users.find). */
  private static Balance balance(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
    return new Balance(rs.getLong("credits_available"), rs.getLong("credits_held"));
  }

  private final JdbcClient jdbc;
  private final Clock clock;
  private final UserEvents events;

  private final Pipelines pipelines;

  Credits(JdbcClient jdbc, Pipelines pipelines, Clock clock, UserEvents events) {
    this.pipelines = pipelines;
    this.jdbc = jdbc;
    this.clock = clock;
    this.events = events;
  }

  /** A user's balance; empty for a user who never signed in. */
  @Transactional(propagation = Propagation.SUPPORTS, readOnly = true)
  public Optional<Balance> balance(long userId) {
    return jdbc.sql("SELECT credits_available, credits_held FROM users WHERE id = :userId")
        .param("userId", userId)
        .query(Credits::balance)
        .optional();
  }

  /**
   * Locks the user's row for the caller's transaction (every start of one user is serialized from
   * here to commit) and answers the balance, once {@code p} is sent.
   */
  public Pipeline.Result<Balance> lock(Pipeline p, long userId) {
    return p.query(LOCK, new MapSqlParameterSource("userId", userId), Credits::balance)
        .map(List::getFirst);
  }

  /**
   * Moves {@code amount} from available to held, written with {@code p}'s other statements, on a
   * row this transaction {@link #lock locked} with the balance {@code locked}: answers the balance
   * after the move, or empty (and nothing written) when too little is available. The UPDATE keeps
   * its condition, so a send whose move would take available below zero fails.
   */
  public Optional<Balance> hold(
      Pipeline p, Balance locked, long userId, UUID generationId, long amount) {
    if (locked.creditsAvailable() < amount) {
      return Optional.empty();
    }
    p.update(
        HOLD,
        new MapSqlParameterSource("userId", userId)
            .addValue("amount", amount)
            .addValue("now", now()));
    append(p, userId, generationId, null, "HOLD", amount, "generation started");
    return Optional.of(
        new Balance(locked.creditsAvailable() - amount, locked.creditsHeld() + amount));
  }

  /**
   * The user's ledger rows before {@code afterId} (all, when null), newest first, at most {@code
   * limit}.
   */
  @Transactional(propagation = Propagation.SUPPORTS, readOnly = true)
  public java.util.List<Entry> entries(long userId, Long afterId, int limit) {
    return jdbc.sql(ENTRIES)
        .param("userId", userId)
        .param("afterId", afterId)
        .param("limit", limit)
        .query(
            (rs, n) ->
                new Entry(
                    rs.getLong("id"),
                    rs.getObject("generation_id", UUID.class),
                    rs.getObject("payment_id", UUID.class),
                    rs.getString("kind"),
                    rs.getLong("amount"),
                    rs.getString("reason"),
                    rs.getTimestamp("created_at").toInstant()))
        .list();
  }

  /**
   * An operator's grant (a positive amount, a GRANT row) or adjustment (negative, an ADJUST row);
   * empty, and nothing moved, when it would take the available balance below zero.
   */
  public Optional<Balance> byOperator(long userId, long amount, String reason) {
    Optional<Balance> balance = moved(OPERATOR_MOVE, userId, amount);
    balance.ifPresent(
        b -> append(userId, null, null, amount > 0 ? "GRANT" : "ADJUST", amount, reason));
    return balance;
  }

  /** The sign-up bonus: {@code amount} added, a GRANT row. */
  public void signupBonus(long userId, long amount) {
    moved(ADD, userId, amount).orElseThrow();
    append(userId, null, null, "GRANT", amount, "signup bonus");
  }

  /** Turns a held {@code amount} into spent credits. */
  public void capture(long userId, UUID generationId, long amount, String reason) {
    move(CAPTURE, userId, amount);
    append(userId, generationId, null, "CAPTURE", amount, reason);
  }

  /** Returns a held {@code amount} to available. */
  public void release(long userId, UUID generationId, long amount, String reason) {
    move(RELEASE, userId, amount);
    append(userId, generationId, null, "RELEASE", amount, reason);
  }

  /** Adds a paid pack's {@code credits} (a PURCHASE row naming the payment). */
  public Balance purchase(long userId, UUID paymentId, long credits, String reason) {
    Balance balance = moved(ADD, userId, credits).orElseThrow();
    append(userId, null, paymentId, "PURCHASE", credits, reason);
    return balance;
  }

  /**
   * Takes a refunded payment's {@code credits} back, all or nothing: false (and nothing moved) when
   * fewer are available, since the user has spent or reserved them.
   */
  public boolean refundAll(long userId, UUID paymentId, long credits, String reason) {
    int updated =
        jdbc.sql(TAKE_ALL)
            .param("userId", userId)
            .param("amount", credits)
            .param("now", now())
            .update();
    if (updated == 0) {
      return false;
    }
    append(userId, null, paymentId, "REFUND", credits, reason);
    return true;
  }

  /**
   * Takes back as much of a refunded payment's {@code credits} as is available, never below zero;
   * answers how many it took (a REFUND row of that amount, none when nothing was available).
   */
  public long refundAvailable(long userId, UUID paymentId, long credits, String reason) {
    long available =
        jdbc.sql(LOCK_AVAILABLE).param("userId", userId).query(Long.class).optional().orElse(0L);
    long taken = Math.min(available, credits);
    if (taken > 0) {
      move(TAKE, userId, taken);
      append(userId, null, paymentId, "REFUND", taken, reason);
    }
    return taken;
  }

  /** Runs a conditional UPDATE that answers the balance after it; empty when it matched no row. */
  private Optional<Balance> moved(String sql, long userId, long amount) {
    return jdbc.sql(sql)
        .param("userId", userId)
        .param("amount", amount)
        .param("now", now())
        .query(Credits::balance)
        .optional();
  }

  private void move(String sql, long userId, long amount) {
    int updated =
        jdbc.sql(sql).param("userId", userId).param("amount", amount).param("now", now()).update();
    if (updated != 1) {
      throw new IllegalStateException(
          "user " + userId + " holds less than " + amount + " credits: ledger out of balance");
    }
  }

  private void append(
      long userId, UUID generationId, UUID paymentId, String kind, long amount, String reason) {
    Pipeline p = pipelines.open();
    append(p, userId, generationId, paymentId, kind, amount, reason);
    p.send();
  }

  /** The ledger row of a movement and the user's balance event. */
  private void append(
      Pipeline p,
      long userId,
      UUID generationId,
      UUID paymentId,
      String kind,
      long amount,
      String reason) {
    p.update(
        APPEND,
        new MapSqlParameterSource("userId", userId)
            .addValue("generationId", generationId)
            .addValue("paymentId", paymentId)
            .addValue("kind", kind)
            .addValue("amount", amount)
            .addValue("reason", reason)
            .addValue("now", now()));
    events.balanceChanged(p, userId);
  }

  private Timestamp now() {
    return Timestamp.from(clock.instant());
  }
}

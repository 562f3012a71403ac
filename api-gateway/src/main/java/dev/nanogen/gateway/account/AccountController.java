package dev.nanogen.gateway.ledger;

import dev.nanogen.gateway.auth.CurrentUser;
import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.Problems;
import dev.nanogen.gateway.limits.UserLimits;
import dev.nanogen.gateway.web.Cursor;
import io.swagger.v3.oas.annotations.media.Schema;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** GET /api/me (balance and limits) and GET /api/me/ledger (the caller's credit movements). */
@RestController
public class AccountController {
  private static final String ME =
      "SELECT id, credits_available, credits_held, premium, bot_blocked FROM users WHERE id = :userId";

  /** :afterId is the last ledger id seen (null for the first page); newest first. */
  private static final String LEDGER =
      """
      SELECT id, generation_id, payment_id, kind, amount, reason, created_at FROM ledger
      WHERE user_id = :userId AND (CAST(:afterId AS bigint) IS NULL OR id < :afterId)
      ORDER BY id DESC
      LIMIT :limit
      """;

  /**
   * @param botBlocked Telegram refused the bot's last message (the user blocked it, or never
   *     started it)
   */
  public record Me(
      long userId,
      long creditsAvailable,
      long creditsHeld,
      boolean isPremium,
      boolean botBlocked,
      UserLimits limits) {}

  @Schema(name = "LedgerEntry")
  record Entry(
      long id,
      UUID generationId,
      UUID paymentId,
      String kind,
      long amount,
      String reason,
      Instant createdAt) {}

  @Schema(name = "LedgerPage")
  record Page(List<Entry> items, String nextCursor) {}

  private record LedgerRow(
      long id,
      UUID generationId,
      UUID paymentId,
      String kind,
      long amount,
      String reason,
      Timestamp createdAt) {}

  private final JdbcClient jdbc;
  private final NanogenProperties.Limits limits;

  AccountController(JdbcClient jdbc, NanogenProperties properties) {
    this.jdbc = jdbc;
    this.limits = properties.limits();
  }

  @GetMapping("/api/me")
  Me me(CurrentUser user) {
    return me(user.id()).orElseThrow();
  }

  /**
   * The user's balance and limits as GET /api/me answers them; empty for a user who never signed
   * in.
   */
  public Optional<Me> me(long userId) {
    return jdbc.sql(ME)
        .param("userId", userId)
        .query(
            (rs, n) -> {
              boolean premium = rs.getBoolean("premium");
              return new Me(
                  rs.getLong("id"),
                  rs.getLong("credits_available"),
                  rs.getLong("credits_held"),
                  premium,
                  rs.getBoolean("bot_blocked"),
                  UserLimits.of(limits, premium));
            })
        .optional();
  }

  @Problems({ErrorCode.VALIDATION_ERROR})
  @GetMapping("/api/me/ledger")
  Page ledger(
      CurrentUser user,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    int size = Cursor.limit(limit);
    Cursor after = Cursor.decode(cursor);
    List<Entry> rows =
        jdbc
            .sql(LEDGER)
            .param("userId", user.id())
            .param("afterId", after == null ? null : after.position())
            .param("limit", size + 1)
            .query(LedgerRow.class)
            .list()
            .stream()
            .map(
                r ->
                    new Entry(
                        r.id(),
                        r.generationId(),
                        r.paymentId(),
                        r.kind(),
                        r.amount(),
                        r.reason(),
                        r.createdAt().toInstant()))
            .toList();
    if (rows.size() <= size) {
      return new Page(rows, null);
    }
    return new Page(rows.subList(0, size), new Cursor(rows.get(size - 1).id(), "").encode());
  }
}

package dev.nanogen.gateway.admin;

import dev.nanogen.gateway.error.ValidationFailed;
import dev.nanogen.gateway.events.UserEvents;
import dev.nanogen.gateway.idempotency.Answer;
import dev.nanogen.gateway.idempotency.IdempotencyKeys;
import io.swagger.v3.oas.annotations.media.Schema;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * An admin's credit grant (positive amount, a GRANT row) or adjustment (negative, an ADJUST row
 * that never takes the available balance below zero), idempotent under its required key. A user who
 * has not signed in yet is created.
 */
@Component
class GrantCredits {
  static final String SCOPE = "admin-credits";

  private static final String ENSURE_USER =
      """
      INSERT INTO users (id, created_at, updated_at) VALUES (:userId, :now, :now)
      ON CONFLICT (id) DO NOTHING
      """;

  /** One conditional UPDATE: a negative amount cannot take available below zero. */
  private static final String MOVE =
      """
      UPDATE users SET credits_available = credits_available + :amount, updated_at = :now
      WHERE id = :userId AND credits_available + :amount >= 0
      RETURNING credits_available, credits_held
      """;

  private static final String APPEND =
      """
      INSERT INTO ledger (user_id, kind, amount, reason, created_at)
      VALUES (:userId, :kind, :amount, :reason, :now)
      """;

  /** The largest credit movement one admin call may make, either way. */
  static final long MAX_AMOUNT = 1_000_000_000L;

  @Schema(name = "GrantRequest")
  record Request(Long amount, String reason) {}

  @Schema(name = "GrantResult")
  record Balance(long userId, long creditsAvailable, long creditsHeld) {}

  private record Moved(long creditsAvailable, long creditsHeld) {}

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final IdempotencyKeys keys;
  private final AdminAudit audit;
  private final JsonMapper json;
  private final Clock clock;
  private final UserEvents events;

  GrantCredits(
      JdbcClient jdbc,
      TransactionTemplate tx,
      IdempotencyKeys keys,
      AdminAudit audit,
      JsonMapper json,
      Clock clock,
      UserEvents events) {
    this.events = events;
    this.jdbc = jdbc;
    this.tx = tx;
    this.keys = keys;
    this.audit = audit;
    this.json = json;
    this.clock = clock;
  }

  Answer grant(long userId, Request request, String header) {
    String key = IdempotencyKeys.requiredKey(header);
    if (userId <= 0) {
      throw ValidationFailed.of("user_id", "must be a Telegram user id");
    }
    if (request.amount() == null
        || request.amount() == 0
        || Math.abs(request.amount()) > MAX_AMOUNT) {
      throw ValidationFailed.of(
          "amount", "is required, not zero, and between -1000000000 and 1000000000");
    }
    if (request.reason() == null || request.reason().isBlank() || request.reason().length() > 500) {
      throw ValidationFailed.of("reason", "is required, at most 500 characters");
    }
    String fingerprint =
        keys.fingerprint(
            Map.of("user_id", userId, "amount", request.amount(), "reason", request.reason()));
    return tx.execute(
        status -> {
          Timestamp now = Timestamp.from(clock.instant());
          jdbc.sql(ENSURE_USER).param("userId", userId).param("now", now).update();
          jdbc.sql("SELECT id FROM users WHERE id = :userId FOR UPDATE")
              .param("userId", userId)
              .query(Long.class)
              .single();
          Optional<IdempotencyKeys.Stored> stored =
              keys.replay(IdempotencyKeys.ADMIN, SCOPE, key, fingerprint);
          if (stored.isPresent()) {
            return Answer.replay(stored.get());
          }
          Moved moved =
              jdbc.sql(MOVE)
                  .param("userId", userId)
                  .param("amount", request.amount())
                  .param("now", now)
                  .query(Moved.class)
                  .optional()
                  .orElseThrow(
                      () ->
                          ValidationFailed.of(
                              "amount", "would take the available balance below zero"));
          jdbc.sql(APPEND)
              .param("userId", userId)
              .param("kind", request.amount() > 0 ? "GRANT" : "ADJUST")
              .param("amount", request.amount())
              .param("reason", request.reason())
              .param("now", now)
              .update();
          events.balanceChanged(userId);
          audit.record(
              request.amount() > 0 ? "grant" : "adjust",
              userId,
              request.amount() + " credits: " + request.reason());
          String body =
              json.writeValueAsString(
                  new Balance(userId, moved.creditsAvailable(), moved.creditsHeld()));
          keys.save(IdempotencyKeys.ADMIN, SCOPE, key, fingerprint, 200, body);
          return Answer.first(200, body);
        });
  }
}

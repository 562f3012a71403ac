package dev.nanogen.gateway.admin;

import dev.nanogen.gateway.auth.Users;
import dev.nanogen.gateway.error.ValidationFailed;
import dev.nanogen.gateway.idempotency.Answer;
import dev.nanogen.gateway.idempotency.IdempotencyKeys;
import dev.nanogen.gateway.ledger.Credits;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.Map;
import java.util.Optional;
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

  /** The largest credit movement one admin call may make, either way. */
  static final long MAX_AMOUNT = 1_000_000_000L;

  @Schema(name = "GrantRequest")
  record Request(Long amount, String reason) {}

  @Schema(name = "GrantResult")
  record Balance(long userId, long creditsAvailable, long creditsHeld) {}

  private final Users users;
  private final Credits credits;
  private final TransactionTemplate tx;
  private final IdempotencyKeys keys;
  private final AdminAudit audit;
  private final JsonMapper json;

  GrantCredits(
      Users users,
      Credits credits,
      TransactionTemplate tx,
      IdempotencyKeys keys,
      AdminAudit audit,
      JsonMapper json) {
    this.users = users;
    this.credits = credits;
    this.tx = tx;
    this.keys = keys;
    this.audit = audit;
    this.json = json;
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
          users.lockCreatingIfAbsent(userId);
          Optional<IdempotencyKeys.Stored> stored =
              keys.replay(IdempotencyKeys.ADMIN, SCOPE, key, fingerprint);
          if (stored.isPresent()) {
            return Answer.replay(stored.get());
          }
          Credits.Balance moved =
              credits
                  .byOperator(userId, request.amount(), request.reason())
                  .orElseThrow(
                      () ->
                          ValidationFailed.of(
                              "amount", "would take the available balance below zero"));
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

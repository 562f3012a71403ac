package dev.nanogen.gateway.admin;

import dev.nanogen.gateway.auth.Users;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.Problems;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The admin API: credits, ban and premium flags, a user, a generation's story, per-model stats,
 * parked outbox rows, reconcile. Every action — looking at a user's data included — is audited.
 */
@Tag(name = "Admin")
@RestController
class AdminController {
  private final GrantCredits grant;
  private final Reconcile reconcile;
  private final Users users;
  private final TransactionTemplate tx;
  private final AdminAudit audit;
  private final dev.nanogen.gateway.outbox.ParkedRows parkedRows;
  private final AdminViews views;
  private final Clock clock;

  AdminController(
      GrantCredits grant,
      Reconcile reconcile,
      Users users,
      TransactionTemplate tx,
      AdminAudit audit,
      dev.nanogen.gateway.outbox.ParkedRows parkedRows,
      AdminViews views,
      Clock clock) {
    this.parkedRows = parkedRows;
    this.views = views;
    this.clock = clock;
    this.grant = grant;
    this.reconcile = reconcile;
    this.users = users;
    this.tx = tx;
    this.audit = audit;
  }

  @Problems({
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.PAYLOAD_TOO_LARGE,
    ErrorCode.IDEMPOTENCY_KEY_REUSED
  })
  @ApiResponse(
      responseCode = "200",
      description = "the user's balance after the movement",
      content =
          @Content(
              mediaType = "application/json",
              schema = @Schema(implementation = GrantCredits.Balance.class)))
  @Operation(operationId = "grantCredits")
  @PostMapping(
      path = "/api/admin/users/{userId}/credits",
      consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<String> credits(
      @PathVariable long userId,
      @RequestBody GrantCredits.Request request,
      @RequestHeader(name = "Idempotency-Key", required = false) String key) {
    return grant.grant(userId, request, key).toResponse();
  }

  record PremiumRequest(Boolean premium) {}

  @Problems({ErrorCode.VALIDATION_ERROR, ErrorCode.NOT_FOUND})
  @Operation(operationId = "banUser")
  @PostMapping("/api/admin/users/{userId}/ban")
  Users.Flags ban(@PathVariable long userId) {
    return setFlag(userId, Users.Flag.BANNED, true, "ban");
  }

  @Problems({ErrorCode.VALIDATION_ERROR, ErrorCode.NOT_FOUND})
  @Operation(operationId = "unbanUser")
  @PostMapping("/api/admin/users/{userId}/unban")
  Users.Flags unban(@PathVariable long userId) {
    return setFlag(userId, Users.Flag.BANNED, false, "unban");
  }

  @Problems({ErrorCode.VALIDATION_ERROR, ErrorCode.NOT_FOUND})
  @Operation(operationId = "setUserPremium")
  @PostMapping(
      path = "/api/admin/users/{userId}/premium",
      consumes = MediaType.APPLICATION_JSON_VALUE)
  Users.Flags premium(@PathVariable long userId, @RequestBody PremiumRequest request) {
    if (request.premium() == null) {
      throw dev.nanogen.gateway.error.ValidationFailed.of("premium", "is required (true or false)");
    }
    return setFlag(
        userId,
        Users.Flag.PREMIUM,
        request.premium(),
        request.premium() ? "premium-on" : "premium-off");
  }

  @Problems({ErrorCode.VALIDATION_ERROR, ErrorCode.NOT_FOUND})
  @Operation(operationId = "getAdminUser")
  @GetMapping("/api/admin/users/{userId}")
  AdminViews.User user(@PathVariable long userId) {
    return tx.execute(
        s -> {
          audit.record("view-user", userId, "viewed");
          return views.user(userId);
        });
  }

  @Problems({ErrorCode.VALIDATION_ERROR, ErrorCode.GENERATION_NOT_FOUND})
  @Operation(operationId = "getAdminGeneration")
  @GetMapping("/api/admin/generations/{id}")
  AdminViews.Generation generation(@PathVariable UUID id) {
    return tx.execute(
        s -> {
          AdminViews.Generation generation = views.generation(id);
          audit.record("view-generation", generation.userId(), id.toString());
          return generation;
        });
  }

  /**
   * Per model, generations created in [from, to) (ISO-8601 instants; default: the last 24 hours).
   */
  @Problems({ErrorCode.VALIDATION_ERROR})
  @Operation(operationId = "getStats")
  @GetMapping("/api/admin/stats")
  AdminViews.Stats stats(
      @RequestParam(required = false) String from, @RequestParam(required = false) String to) {
    Instant end = to == null ? clock.instant() : instant("to", to);
    Instant start = from == null ? end.minus(Duration.ofDays(1)) : instant("from", from);
    if (!start.isBefore(end)) {
      throw dev.nanogen.gateway.error.ValidationFailed.of("from", "must be before to");
    }
    return tx.execute(
        s -> {
          audit.record("view-stats", null, start + ".." + end);
          return views.stats(start, end);
        });
  }

  /** The earliest and latest instants stats take: what PostgreSQL and a day's arithmetic hold. */
  private static final Instant EARLIEST = Instant.parse("1970-01-02T00:00:00Z");

  private static final Instant LATEST = Instant.parse("9999-12-31T00:00:00Z");

  private static Instant instant(String field, String value) {
    Instant instant;
    try {
      instant = Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw dev.nanogen.gateway.error.ValidationFailed.of(
          field, "must be an ISO-8601 instant, like 2026-11-26T00:00:00Z");
    }
    if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
      throw dev.nanogen.gateway.error.ValidationFailed.of(
          field, "must be between " + EARLIEST + " and " + LATEST);
    }
    return instant;
  }

  @Schema(name = "ParkedOutboxRows")
  record Parked(java.util.List<dev.nanogen.gateway.outbox.ParkedRows.Parked> items) {}

  record Requeued(int requeued) {}

  @Operation(operationId = "listParkedOutboxRows")
  @GetMapping("/api/admin/outbox/parked")
  Parked parked() {
    return new Parked(parkedRows.list(500));
  }

  @Operation(operationId = "requeueParkedOutboxRows")
  @PostMapping("/api/admin/outbox/parked/requeue")
  Requeued requeueAll() {
    return tx.execute(
        s -> {
          int rows = parkedRows.requeue(null);
          audit.record("outbox-requeue", null, "all parked rows: " + rows);
          return new Requeued(rows);
        });
  }

  @Problems({ErrorCode.VALIDATION_ERROR, ErrorCode.NOT_FOUND})
  @Operation(operationId = "requeueParkedOutboxRow")
  @PostMapping("/api/admin/outbox/parked/{id}/requeue")
  Requeued requeue(@PathVariable long id) {
    return tx.execute(
        s -> {
          int rows = parkedRows.requeue(id);
          audit.record("outbox-requeue", null, "row " + id + ": " + rows);
          return new Requeued(rows);
        });
  }

  @Operation(operationId = "reconcile")
  @GetMapping("/api/admin/reconcile")
  Reconcile.Report reconcile() {
    return reconcile.run();
  }

  private Users.Flags setFlag(long userId, Users.Flag flag, boolean value, String action) {
    if (userId <= 0) {
      throw dev.nanogen.gateway.error.ValidationFailed.of("user_id", "must be a Telegram user id");
    }
    return tx.execute(
        status -> {
          Users.Flags flags = users.setFlag(userId, flag, value);
          audit.record(
              action, userId, flag.name().toLowerCase(java.util.Locale.ROOT) + "=" + value);
          return flags;
        });
  }
}

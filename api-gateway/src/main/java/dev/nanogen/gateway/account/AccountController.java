package dev.nanogen.gateway.account;

import dev.nanogen.gateway.auth.CurrentUser;
import dev.nanogen.gateway.auth.Users;
import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.Problems;
import dev.nanogen.gateway.ledger.Credits;
import dev.nanogen.gateway.limits.UserLimits;
import dev.nanogen.gateway.web.Cursor;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.annotation.Nullable;
import java.util.List;
import java.util.Optional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * GET /api/me (balance and limits) and GET /api/me/ledger (the caller's credit movements): the
 * user's standing from its owner ({@link Users}), the balance and the ledger from theirs ({@link
 * Credits}).
 */
@Tag(name = "Account")
@RestController
public class AccountController {
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

  @Schema(name = "LedgerPage")
  record Page(List<Credits.Entry> items, @Nullable String nextCursor) {}

  private final Credits credits;
  private final NanogenProperties.Limits limits;

  AccountController(Credits credits, NanogenProperties properties) {
    this.credits = credits;
    this.limits = properties.limits();
  }

  /** The caller's standing came with their sign-in: only the balance is read. */
  @Operation(operationId = "getMe")
  @GetMapping("/api/me")
  Me me(CurrentUser user) {
    Credits.Balance balance = credits.balance(user.id()).orElseThrow();
    return me(user.id(), balance, new Users.Standing(user.premium(), user.botBlocked()));
  }

  /**
   * The user's balance and limits as GET /api/me answers them, for a standing the caller already
   * knows (a live stream keeps its user's); empty for a user who never signed in.
   */
  public Optional<Me> me(long userId, Users.Standing standing) {
    return credits.balance(userId).map(b -> me(userId, b, standing));
  }

  private Me me(long userId, Credits.Balance balance, Users.Standing standing) {
    return new Me(
        userId,
        balance.creditsAvailable(),
        balance.creditsHeld(),
        standing.premium(),
        standing.botBlocked(),
        UserLimits.of(limits, standing.premium()));
  }

  @Problems({ErrorCode.VALIDATION_ERROR})
  @Operation(operationId = "listLedger")
  @GetMapping("/api/me/ledger")
  Page ledger(
      CurrentUser user,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    int size = Cursor.limit(limit);
    Cursor after = Cursor.decode(cursor);
    List<Credits.Entry> rows =
        credits.entries(user.id(), after == null ? null : after.position(), size + 1);
    if (rows.size() <= size) {
      return new Page(rows, null);
    }
    return new Page(rows.subList(0, size), new Cursor(rows.get(size - 1).id(), "").encode());
  }
}

package dev.nanogen.gateway.auth;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.ledger.Credits;
import jakarta.annotation.Nullable;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Finds the user that verified initData names, signing them up on their first call (with the
 * sign-up bonus as a GRANT ledger row, once, even when an admin made their row before) and keeping
 * their Telegram profile current.
 */
@Component
public class Users {
  private static final String FIND =
      """
      SELECT id, first_name, username, language_code, telegram_premium, premium, banned, bot_blocked,
             signed_up_at IS NOT NULL AS signed_up
      FROM users WHERE id = :id
      """;

  private static final String CREATE =
      """
      INSERT INTO users (id, first_name, username, language_code, telegram_premium,
                         created_at, updated_at)
      VALUES (:id, :firstName, :username, :languageCode, :telegramPremium, :now, :now)
      ON CONFLICT (id) DO NOTHING
      """;

  /** Once per user, whoever made the row: the first sign-in (the bonus is the ledger's). */
  private static final String SIGN_UP =
      """
      UPDATE users SET signed_up_at = :now,
                       first_name = :firstName, username = :username, language_code = :languageCode,
                       telegram_premium = :telegramPremium, updated_at = :now
      WHERE id = :id AND signed_up_at IS NULL
      """;

  /** A row for a user an operator acts on before their first sign-in. */
  private static final String ENSURE =
      """
      INSERT INTO users (id, created_at, updated_at) VALUES (:id, :now, :now)
      ON CONFLICT (id) DO NOTHING
      """;

  /**
   * Newer news only: an event older than the one applied changes nothing, so repeats and
   * reorderings are harmless.
   */
  private static final String CHAT_STATUS =
      """
      UPDATE users SET bot_blocked = :blocked, bot_status_at = :at
      WHERE id = :id AND (bot_status_at IS NULL OR bot_status_at < :at)
      """;

  /** Best effort: a row locked by a start in flight is skipped; the next call refreshes it. */
  private static final String UPDATE_PROFILE =
      """
      UPDATE users SET first_name = :firstName, username = :username, language_code = :languageCode,
                       telegram_premium = :telegramPremium, updated_at = :now
      WHERE id = (SELECT id FROM users WHERE id = :id FOR UPDATE SKIP LOCKED)
      """;

  record Row(
      long id,
      String firstName,
      String username,
      String languageCode,
      boolean telegramPremium,
      boolean premium,
      boolean banned,
      boolean botBlocked,
      boolean signedUp) {}

  /** What an operator can set on a user. */
  public enum Flag {
    BANNED,
    PREMIUM
  }

  /** A user's flags after an operator set one. */
  public record Flags(long userId, boolean banned, boolean premium) {}

  /** What GET /api/me shows of the user beside their balance. */
  public record Standing(boolean premium, boolean botBlocked) {}

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final Credits credits;
  private final long signupBonus;

  Users(
      JdbcClient jdbc,
      TransactionTemplate tx,
      Clock clock,
      Credits credits,
      NanogenProperties properties) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.clock = clock;
    this.credits = credits;
    this.signupBonus = properties.signupBonus();
  }

  Row signIn(TelegramUser user) {
    Optional<Row> existing = find(user.id());
    if (existing.isEmpty() || !existing.get().signedUp()) {
      tx.executeWithoutResult(status -> signUp(user));
      return find(user.id()).orElseThrow();
    }
    Row row = existing.get();
    if (profileChanged(row, user)) {
      withProfile(jdbc.sql(UPDATE_PROFILE), user).update();
    }
    return row;
  }

  /**
   * The user a bot update comes from (Telegram's word, vouched for by the webhook's secret token),
   * signed in as initData would sign them in; 403 USER_BANNED for a banned one.
   */
  public CurrentUser fromBot(
      long id, String firstName, String username, String languageCode, boolean telegramPremium) {
    Row row = signIn(new TelegramUser(id, firstName, username, languageCode, telegramPremium));
    if (row.banned()) {
      throw new AppError(ErrorCode.USER_BANNED, "user " + id + " is banned");
    }
    return new CurrentUser(row.id(), languageCode, row.premium(), row.botBlocked());
  }

  private void signUp(TelegramUser user) {
    withProfile(jdbc.sql(CREATE), user).update();
    int signedUp = withProfile(jdbc.sql(SIGN_UP), user).update();
    if (signedUp == 1 && signupBonus > 0) {
      credits.signupBonus(user.id(), signupBonus);
    }
  }

  /**
   * Makes the row of a user an operator acts on (who may never have signed in) and locks it for the
   * caller's transaction.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public void lockCreatingIfAbsent(long userId) {
    jdbc.sql(ENSURE).param("id", userId).param("now", Timestamp.from(clock.instant())).update();
    lock(userId);
  }

  /** Locks the row of a user who signed in, for the caller's transaction. */
  @Transactional(propagation = Propagation.MANDATORY)
  public void lock(long userId) {
    jdbc.sql("SELECT id FROM users WHERE id = :id FOR UPDATE")
        .param("id", userId)
        .query(Long.class)
        .single();
  }

  /** Sets an operator's flag, making the row of a user who never signed in. */
  @Transactional(propagation = Propagation.MANDATORY)
  public Flags setFlag(long userId, Flag flag, boolean value) {
    // The column is one of two constants, never input.
    String column = flag == Flag.BANNED ? "banned" : "premium";
    return jdbc.sql(
            """
            INSERT INTO users (id, %1$s, created_at, updated_at) VALUES (:userId, :value, now(), now())
            ON CONFLICT (id) DO UPDATE SET %1$s = :value, updated_at = now()
            RETURNING id AS user_id, banned, premium
            """
                .formatted(column))
        .param("userId", userId)
        .param("value", value)
        .query(Flags.class)
        .single();
  }

  /** Records whether the bot can reach the user's chat, as of {@code at}; false if older news. */
  public boolean recordChatStatus(long userId, boolean blocked, Instant at) {
    return jdbc.sql(CHAT_STATUS)
            .param("blocked", blocked)
            .param("at", Timestamp.from(at))
            .param("id", userId)
            .update()
        == 1;
  }

  /** A user as an admin sees them (balance aside: the ledger's). */
  @io.swagger.v3.oas.annotations.media.Schema(name = "AdminUserProfile")
  public record Profile(
      long userId,
      @Nullable String username,
      @Nullable String languageCode,
      boolean banned,
      boolean premium,
      boolean botBlocked,
      Instant createdAt) {}

  /** The user's profile; empty for a user nobody signed in or acted on. */
  public Optional<Profile> profile(long userId) {
    return jdbc.sql(
            """
            SELECT id AS user_id, username, language_code, banned, premium, bot_blocked, created_at
            FROM users WHERE id = :id
            """)
        .param("id", userId)
        .query(Profile.class)
        .optional();
  }

  /** Premium and chat status of a user who signed in (or an operator acted on). */
  public Optional<Standing> standing(long userId) {
    return find(userId).map(r -> new Standing(r.premium(), r.botBlocked()));
  }

  private JdbcClient.StatementSpec withProfile(JdbcClient.StatementSpec spec, TelegramUser user) {
    return spec.param("id", user.id())
        .param("firstName", user.firstName())
        .param("username", user.username())
        .param("languageCode", user.languageCode())
        .param("telegramPremium", user.telegramPremium())
        .param("now", Timestamp.from(Instant.now(clock)));
  }

  /** A user who signed in before. */
  Optional<Row> find(long id) {
    // An explicit mapper on the per-request path: mapping records by property name makes PgJDBC
    // throw
    // (and Spring catch) an exception per camelCase field before it tries the snake_case column.
    return jdbc.sql(FIND)
        .param("id", id)
        .query(
            (rs, n) ->
                new Row(
                    rs.getLong("id"),
                    rs.getString("first_name"),
                    rs.getString("username"),
                    rs.getString("language_code"),
                    rs.getBoolean("telegram_premium"),
                    rs.getBoolean("premium"),
                    rs.getBoolean("banned"),
                    rs.getBoolean("bot_blocked"),
                    rs.getBoolean("signed_up")))
        .optional();
  }

  /** Where a watched user stands now: banned, and what GET /api/me shows. */
  public record Watched(boolean banned, Standing standing) {}

  /** Those of {@code ids} who have a row, with their ban and standing, in one query. */
  public java.util.Map<Long, Watched> watchedAmong(java.util.Collection<Long> ids) {
    if (ids.isEmpty()) {
      return java.util.Map.of();
    }
    java.util.Map<Long, Watched> watched = new java.util.HashMap<>();
    jdbc.sql("SELECT id, banned, premium, bot_blocked FROM users WHERE id IN (:ids)")
        .param("ids", ids)
        .query(
            rs -> {
              watched.put(
                  rs.getLong("id"),
                  new Watched(
                      rs.getBoolean("banned"),
                      new Standing(rs.getBoolean("premium"), rs.getBoolean("bot_blocked"))));
            });
    return watched;
  }

  private static boolean profileChanged(Row row, TelegramUser user) {
    return !java.util.Objects.equals(row.firstName(), user.firstName())
        || !java.util.Objects.equals(row.username(), user.username())
        || !java.util.Objects.equals(row.languageCode(), user.languageCode())
        || row.telegramPremium() != user.telegramPremium();
  }
}

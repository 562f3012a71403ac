package dev.nanogen.gateway.auth;

import dev.nanogen.gateway.config.NanogenProperties;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
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
      SELECT id, first_name, username, language_code, telegram_premium, premium, banned,
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

  /** Once per user, whoever made the row: the first sign-in, with the bonus. */
  private static final String SIGN_UP =
      """
      UPDATE users SET signed_up_at = :now, credits_available = credits_available + :bonus,
                       first_name = :firstName, username = :username, language_code = :languageCode,
                       telegram_premium = :telegramPremium, updated_at = :now
      WHERE id = :id AND signed_up_at IS NULL
      """;

  private static final String GRANT_BONUS =
      """
      INSERT INTO ledger (user_id, kind, amount, reason, created_at)
      VALUES (:id, 'GRANT', :bonus, 'signup bonus', :now)
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
      boolean signedUp) {}

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final long signupBonus;

  Users(JdbcClient jdbc, TransactionTemplate tx, Clock clock, NanogenProperties properties) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.clock = clock;
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

  private void signUp(TelegramUser user) {
    withProfile(jdbc.sql(CREATE), user).update();
    int signedUp = withProfile(jdbc.sql(SIGN_UP), user).param("bonus", signupBonus).update();
    if (signedUp == 1 && signupBonus > 0) {
      jdbc.sql(GRANT_BONUS)
          .param("id", user.id())
          .param("bonus", signupBonus)
          .param("now", Timestamp.from(clock.instant()))
          .update();
    }
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
                    rs.getBoolean("signed_up")))
        .optional();
  }

  /** Those of {@code ids} who are banned, in one query. */
  public java.util.Set<Long> bannedAmong(java.util.Collection<Long> ids) {
    if (ids.isEmpty()) {
      return java.util.Set.of();
    }
    return new java.util.HashSet<>(
        jdbc.sql("SELECT id FROM users WHERE banned AND id IN (:ids)")
            .param("ids", ids)
            .query(Long.class)
            .list());
  }

  private static boolean profileChanged(Row row, TelegramUser user) {
    return !java.util.Objects.equals(row.firstName(), user.firstName())
        || !java.util.Objects.equals(row.username(), user.username())
        || !java.util.Objects.equals(row.languageCode(), user.languageCode())
        || row.telegramPremium() != user.telegramPremium();
  }
}

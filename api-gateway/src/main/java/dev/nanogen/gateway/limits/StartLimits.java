package dev.nanogen.gateway.limits;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.LimitExceeded;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The per-user start limits: generations pending or processing at once, and starts per rolling
 * window. Exact under any concurrency because the caller holds the user's row lock: every other
 * start of the same user waits on that lock, so the counts read here include every start committed
 * before and none can slip in until this one commits.
 */
@Component
@Transactional(propagation = Propagation.MANDATORY)
public class StartLimits {
  private static final String COUNTS =
      """
      SELECT (SELECT count(*) FROM generations
              WHERE user_id = :userId AND status IN ('pending', 'processing')) AS active,
             (SELECT count(*) FROM generations
              WHERE user_id = :userId AND created_at > :windowStart) AS recent,
             (SELECT min(created_at) FROM generations
              WHERE user_id = :userId AND created_at > :windowStart) AS oldest_recent,
             (SELECT count(*) FROM generations
              WHERE user_id = :userId AND model_id = :modelId
                AND status IN ('pending', 'processing')) AS active_on_model
      """;

  /** Retry-After for MAX_ACTIVE_GENERATIONS: no window frees a slot, so this is a polling hint. */
  static final long ACTIVE_RETRY_AFTER_SECONDS = 5;

  private record Counts(long active, long recent, Timestamp oldestRecent, long activeOnModel) {}

  private final JdbcClient jdbc;
  private final NanogenProperties.Limits limits;

  StartLimits(JdbcClient jdbc, NanogenProperties properties) {
    this.jdbc = jdbc;
    this.limits = properties.limits();
  }

  /**
   * Throws {@link LimitExceeded} when one more start would break a limit.
   *
   * @param modelLimit the model's own limit on one user's active generations, or null
   */
  public void check(long userId, boolean premium, String modelId, Integer modelLimit, Instant now) {
    Counts counts =
        jdbc.sql(COUNTS)
            .param("userId", userId)
            .param("modelId", modelId)
            .param("windowStart", Timestamp.from(now.minus(limits.window())))
            .query(
                (rs, n) ->
                    new Counts(
                        rs.getLong("active"),
                        rs.getLong("recent"),
                        rs.getTimestamp("oldest_recent"),
                        rs.getLong("active_on_model")))
            .single();
    UserLimits applied = UserLimits.of(limits, premium);
    int maxActive = applied.maxActive();
    if (counts.active() >= maxActive) {
      throw new LimitExceeded(
          ErrorCode.MAX_ACTIVE_GENERATIONS, maxActive, ACTIVE_RETRY_AFTER_SECONDS);
    }
    if (modelLimit != null && counts.activeOnModel() >= modelLimit) {
      throw new LimitExceeded(
          ErrorCode.MAX_ACTIVE_GENERATIONS, modelLimit, ACTIVE_RETRY_AFTER_SECONDS);
    }
    int perWindow = applied.startsPerWindow();
    if (counts.recent() >= perWindow) {
      Instant frees = counts.oldestRecent().toInstant().plus(limits.window());
      long seconds = (Duration.between(now, frees).toMillis() + 999) / 1000;
      throw new LimitExceeded(ErrorCode.RATE_LIMIT_EXCEEDED, perWindow, seconds);
    }
  }
}

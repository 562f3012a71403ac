package dev.nanogen.gateway.limits;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.LimitExceeded;
import java.time.Duration;
import java.time.Instant;
import org.springframework.stereotype.Component;

/**
 * The per-user start limits: generations pending or processing at once, and starts per rolling
 * window, decided on counts the generations' owner reads. Exact under any concurrency because the
 * caller reads them holding the user's row lock: every other start of the same user waits on that
 * lock, so the counts include every start committed before and none can slip in until this one
 * commits.
 */
@Component
public class StartLimits {
  /** Retry-After for MAX_ACTIVE_GENERATIONS: no window frees a slot, so this is a polling hint. */
  static final long ACTIVE_RETRY_AFTER_SECONDS = 5;

  /**
   * A user's generations as the limits count them.
   *
   * @param active pending or processing
   * @param recent started since {@link #windowStart}
   * @param oldestRecent the oldest of those, or null
   * @param activeOnModel pending or processing on the model being started
   */
  public record Counts(long active, long recent, Instant oldestRecent, long activeOnModel) {}

  private final NanogenProperties.Limits limits;

  StartLimits(NanogenProperties properties) {
    this.limits = properties.limits();
  }

  /** Where the rolling window of starts begins, seen from {@code now}. */
  public Instant windowStart(Instant now) {
    return now.minus(limits.window());
  }

  /**
   * Throws {@link LimitExceeded} when one more start would break a limit.
   *
   * @param modelLimit the model's own limit on one user's active generations, or null
   */
  public void check(Counts counts, boolean premium, Integer modelLimit, Instant now) {
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
      Instant frees = counts.oldestRecent().plus(limits.window());
      long seconds = (Duration.between(now, frees).toMillis() + 999) / 1000;
      throw new LimitExceeded(ErrorCode.RATE_LIMIT_EXCEEDED, perWindow, seconds);
    }
  }
}

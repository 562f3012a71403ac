package dev.nanogen.gateway.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.LimitExceeded;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * Every user's budget of authenticated API calls (Resilience4j rate limiters, one per active user,
 * in memory of this replica): {@code requests-per-period} per {@code request-period}; a call beyond
 * it is 429 RATE_LIMIT_EXCEEDED with Retry-After, before it touches the database. The exact start
 * limits (StartLimits) are separate and hold across replicas; this one only keeps a single user
 * from starving everyone else of connections.
 */
@Component
public class RequestBudget {
  private final RateLimiterConfig config;
  private final int limit;
  private final long retryAfterSeconds;
  private final Cache<Long, RateLimiter> limiters;

  RequestBudget(NanogenProperties properties) {
    NanogenProperties.Limits limits = properties.limits();
    this.limit = limits.requestsPerPeriod();
    this.retryAfterSeconds = Math.max(1, limits.requestPeriod().toSeconds());
    this.config =
        RateLimiterConfig.custom()
            .limitForPeriod(limit)
            .limitRefreshPeriod(limits.requestPeriod())
            .timeoutDuration(Duration.ZERO)
            .build();
    this.limiters =
        Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterAccess(limits.requestPeriod().multipliedBy(6))
            .build();
  }

  /**
   * Spends one call of the user's budget, or throws 429 with the seconds until it refills at the
   * latest.
   */
  public void spend(long userId) {
    RateLimiter limiter = limiters.get(userId, id -> RateLimiter.of("user-" + id, config));
    if (!limiter.acquirePermission()) {
      // The budget refills whole at the end of each period: at most one period away.
      throw new LimitExceeded(ErrorCode.RATE_LIMIT_EXCEEDED, limit, retryAfterSeconds);
    }
  }
}

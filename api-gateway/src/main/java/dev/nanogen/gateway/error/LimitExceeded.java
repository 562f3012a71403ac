package dev.nanogen.gateway.error;

import java.util.Map;

/** A 429: the caller is over a limit, and may try again after {@code retryAfterSeconds}. */
public final class LimitExceeded extends AppError {
  private final long retryAfterSeconds;

  public LimitExceeded(ErrorCode code, int limit, long retryAfterSeconds) {
    super(code, code.name() + ": limit " + limit, Map.of("limit", limit), limit);
    this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
  }

  @Override
  public Long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}

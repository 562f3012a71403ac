package dev.nanogen.ops.telegram;

/** A Bot API call that did not succeed. Never carries the token or the URL. */
public class TelegramError extends RuntimeException {
  private final int errorCode;

  TelegramError(int errorCode, String description) {
    super("Telegram " + errorCode + ": " + description, null, false, false);
    this.errorCode = errorCode;
  }

  public int errorCode() {
    return errorCode;
  }

  /** 403 (blocked, never started) and other 4xx: trying again cannot help. */
  public static final class Final extends TelegramError {
    Final(int errorCode, String description) {
      super(errorCode, description);
    }
  }

  /** 429: Telegram asks to wait {@code retryAfterSeconds} before the next try. */
  public static final class RetryAfter extends TelegramError {
    private final int retryAfterSeconds;

    RetryAfter(int retryAfterSeconds, String description) {
      super(429, description);
      this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }
}

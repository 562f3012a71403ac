package dev.nanogen.model;

/**
 * Why a generation failed: the code a {@link GenerationFailed} carries, the generation keeps and
 * the API and the chat notice show. Decided by the worker (or, for {@link #TIMEOUT}, also by the
 * gateway's sweeper); travels as its name.
 */
public enum FailureCode {
  /** No result before the deadline, or a provider call that was sent and never answered. */
  TIMEOUT,
  /** No provider route serves the model, or the model's circuit is open. */
  MODEL_UNAVAILABLE,
  /** The provider refused the request as given (a 4xx other than the ones below). */
  PROVIDER_REJECTED,
  /** The provider refused the API key (401, or 403 not about credits). */
  PROVIDER_AUTH,
  /** The provider account has no credits left (402, or 403 about credits or quota). */
  PROVIDER_OUT_OF_CREDITS,
  /** 5xx or no connection, on every try within the deadline. */
  PROVIDER_UNAVAILABLE,
  /** 429 on every try within the deadline. */
  PROVIDER_RATE_LIMITED,
  /** An answer that could not be read, or a redirect (never followed). */
  PROVIDER_BAD_RESPONSE,
  /** A result the service does not accept (not https, a private address, too large). */
  PROVIDER_BAD_RESULT,
  /** The provider's task ended in error. */
  PROVIDER_GENERATION_FAILED,
  /** A code this release does not know (sent by a newer worker). */
  UNKNOWN;

  /**
   * The code named {@code name}; {@link #UNKNOWN} for null or a name this release does not know.
   */
  public static FailureCode of(String name) {
    if (name != null) {
      for (FailureCode code : values()) {
        if (code.name().equals(name)) {
          return code;
        }
      }
    }
    return UNKNOWN;
  }
}

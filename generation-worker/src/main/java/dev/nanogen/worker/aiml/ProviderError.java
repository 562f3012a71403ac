package dev.nanogen.worker.aiml;

import dev.nanogen.model.FailureCode;

/**
 * A failed call to the AIML API, classified once: {@link #retryable()} failures (429, 5xx, network,
 * time-outs) are tried again within the generation's deadline; the others end the generation at
 * once with {@link #code()}.
 */
public class ProviderError extends RuntimeException {
  private final FailureCode code;
  private final boolean retryable;
  private final boolean unsent;

  public ProviderError(FailureCode code, boolean retryable, String message) {
    this(code, retryable, false, message);
  }

  /**
   * @param unsent the provider certainly did not take the request (a 429 or 5xx answer, no
   *     connection, an open circuit): another route may be asked instead, with no risk of a second
   *     job
   */
  public ProviderError(FailureCode code, boolean retryable, boolean unsent, String message) {
    super(message, null, false, false);
    this.code = code;
    this.retryable = retryable;
    this.unsent = unsent;
  }

  /** Why the generation fails, should this error end it. */
  public FailureCode code() {
    return code;
  }

  public boolean retryable() {
    return retryable;
  }

  /**
   * Whether the provider certainly did not take the request, so it may go to another route. A
   * time-out waiting for an answer is not: the provider may be working on it.
   */
  public boolean unsent() {
    return unsent;
  }

  /**
   * Classifies an HTTP error answer of the provider (the AIML API's documented statuses:
   * 400/401/403/404 are final).
   */
  static ProviderError ofStatus(int status, String message) {
    String text = "AIML answered " + status + (message == null ? "" : ": " + message);
    return switch (status) {
      case 401 -> new ProviderError(FailureCode.PROVIDER_AUTH, false, text);
      case 402 -> new ProviderError(FailureCode.PROVIDER_OUT_OF_CREDITS, false, text);
      case 403 ->
          message != null && message.toLowerCase().matches(".*(credit|balance|quota).*")
              ? new ProviderError(FailureCode.PROVIDER_OUT_OF_CREDITS, false, text)
              : new ProviderError(FailureCode.PROVIDER_AUTH, false, text);
      case 429 -> new ProviderError(FailureCode.PROVIDER_RATE_LIMITED, true, true, text);
      // Redirects are not followed: the request carries the API key, and only the route's own base
      // URL is trusted with it.
      case 300, 301, 302, 303, 305, 307, 308 ->
          new ProviderError(
              FailureCode.PROVIDER_BAD_RESPONSE, false, text + " (a redirect, not followed)");
      default ->
          status >= 500
              ? new ProviderError(FailureCode.PROVIDER_UNAVAILABLE, true, true, text)
              : new ProviderError(FailureCode.PROVIDER_REJECTED, false, text);
    };
  }

  static ProviderError network(String what) {
    return new ProviderError(FailureCode.PROVIDER_UNAVAILABLE, true, what);
  }

  /** No connection to the provider: nothing was sent. */
  static ProviderError unreachable(String what) {
    return new ProviderError(FailureCode.PROVIDER_UNAVAILABLE, true, true, what);
  }

  public static ProviderError badResponse(String what) {
    return new ProviderError(FailureCode.PROVIDER_BAD_RESPONSE, false, what);
  }

  /**
   * The provider answered a result we do not accept (a URL that is not https, a file too large).
   */
  public static ProviderError badResult(String what) {
    return new ProviderError(FailureCode.PROVIDER_BAD_RESULT, false, what);
  }

  /** The generation itself failed at the provider (a video task that ended in error). */
  public static ProviderError generationFailed(String what) {
    return new ProviderError(FailureCode.PROVIDER_GENERATION_FAILED, false, what);
  }
}

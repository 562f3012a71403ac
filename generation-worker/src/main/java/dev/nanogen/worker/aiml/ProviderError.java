package dev.nanogen.worker.aiml;

/**
 * A failed call to the AIML API, classified once: {@link #retryable()} failures (429, 5xx, network,
 * time-outs) are tried again within the generation's deadline; the others end the generation at
 * once with {@link #code()}.
 */
public class ProviderError extends RuntimeException {
  private final String code;
  private final boolean retryable;

  public ProviderError(String code, boolean retryable, String message) {
    super(message, null, false, false);
    this.code = code;
    this.retryable = retryable;
  }

  /** Stable error code for the generation: PROVIDER_REJECTED, PROVIDER_AUTH, … */
  public String code() {
    return code;
  }

  public boolean retryable() {
    return retryable;
  }

  /** Classifies an HTTP error answer of the provider (CONTRACT.md: 400/401/403/404 are final). */
  static ProviderError ofStatus(int status, String message) {
    String text = "AIML answered " + status + (message == null ? "" : ": " + message);
    return switch (status) {
      case 401 -> new ProviderError("PROVIDER_AUTH", false, text);
      case 402 -> new ProviderError("PROVIDER_OUT_OF_CREDITS", false, text);
      case 403 ->
          message != null && message.toLowerCase().matches(".*(credit|balance|quota).*")
              ? new ProviderError("PROVIDER_OUT_OF_CREDITS", false, text)
              : new ProviderError("PROVIDER_AUTH", false, text);
      case 429 -> new ProviderError("PROVIDER_RATE_LIMITED", true, text);
      default ->
          status >= 500
              ? new ProviderError("PROVIDER_UNAVAILABLE", true, text)
              : new ProviderError("PROVIDER_REJECTED", false, text);
    };
  }

  static ProviderError network(String what) {
    return new ProviderError("PROVIDER_UNAVAILABLE", true, what);
  }

  public static ProviderError badResponse(String what) {
    return new ProviderError("PROVIDER_BAD_RESPONSE", false, what);
  }

  /**
   * The provider answered a result we do not accept (a URL that is not https, a file too large).
   */
  public static ProviderError badResult(String what) {
    return new ProviderError("PROVIDER_BAD_RESULT", false, what);
  }

  /** The generation itself failed at the provider (a video task that ended in error). */
  public static ProviderError generationFailed(String what) {
    return new ProviderError("PROVIDER_GENERATION_FAILED", false, what);
  }
}

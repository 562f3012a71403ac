package dev.nanogen.gateway.error;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one unchecked exception of the gateway: a contract error code, the extra problem fields the
 * API names for it, arguments for the user message, and an internal detail for the logs and the
 * problem's {@code detail}. Mapped to problem+json in one place, {@link ProblemHandler}.
 */
public class AppError extends RuntimeException {
  private final ErrorCode code;
  private final Map<String, Object> fields;
  private final Object[] messageArgs;

  public AppError(ErrorCode code, String detail) {
    this(code, detail, Map.of());
  }

  public AppError(
      ErrorCode code, String detail, Map<String, Object> fields, Object... messageArgs) {
    super(detail, null, false, false);
    this.code = code;
    this.fields = new LinkedHashMap<>(fields);
    this.messageArgs = messageArgs;
  }

  public ErrorCode code() {
    return code;
  }

  /** Extra members of the problem object, for example {@code required} and {@code available}. */
  public Map<String, Object> fields() {
    return fields;
  }

  public Object[] messageArgs() {
    return messageArgs;
  }

  /** Seconds for a Retry-After header, or null. */
  public Long retryAfterSeconds() {
    return null;
  }
}

package dev.nanogen.gateway.error;

import org.springframework.http.HttpStatus;

/** The API's stable error codes (docs/api.md), each with its HTTP status. */
public enum ErrorCode {
  VALIDATION_ERROR(HttpStatus.BAD_REQUEST),
  INVALID_INIT_DATA(HttpStatus.UNAUTHORIZED),
  INIT_DATA_EXPIRED(HttpStatus.UNAUTHORIZED),
  ADMIN_AUTH_REQUIRED(HttpStatus.UNAUTHORIZED),
  /**
   * An update without the webhook's secret token: a 401 of its own (Telegram only reads the
   * status).
   */
  WEBHOOK_AUTH_REQUIRED(HttpStatus.UNAUTHORIZED),
  INSUFFICIENT_CREDITS(HttpStatus.PAYMENT_REQUIRED),
  USER_BANNED(HttpStatus.FORBIDDEN),
  /**
   * A browser's preflight from an origin not in NANOGEN_CORS_ORIGINS (beyond the domain errors).
   */
  CORS_ORIGIN_NOT_ALLOWED(HttpStatus.FORBIDDEN),
  MODEL_NOT_FOUND(HttpStatus.NOT_FOUND),
  GENERATION_NOT_FOUND(HttpStatus.NOT_FOUND),
  PACK_NOT_FOUND(HttpStatus.NOT_FOUND),
  UPLOAD_NOT_FOUND(HttpStatus.NOT_FOUND),
  /** A refund of a charge no payment has (beyond the domain errors). */
  PAYMENT_NOT_FOUND(HttpStatus.NOT_FOUND),
  /** A path that does not exist (beyond the domain errors). */
  NOT_FOUND(HttpStatus.NOT_FOUND),
  /** A method a path does not take (beyond the domain errors). */
  METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED),
  NOT_ACCEPTABLE(HttpStatus.NOT_ACCEPTABLE),
  IDEMPOTENCY_KEY_IN_USE(HttpStatus.CONFLICT),
  GENERATION_NOT_CANCELLABLE(HttpStatus.CONFLICT),
  PAYMENT_NOT_REFUNDABLE(HttpStatus.CONFLICT),
  PAYLOAD_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE),
  /** A body that is not JSON (beyond the domain errors). */
  UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE),
  IDEMPOTENCY_KEY_REUSED(HttpStatus.UNPROCESSABLE_CONTENT),
  RATE_LIMIT_EXCEEDED(HttpStatus.TOO_MANY_REQUESTS),
  MAX_ACTIVE_GENERATIONS(HttpStatus.TOO_MANY_REQUESTS),
  MODEL_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE),
  SERVICE_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE),
  INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR);

  private final HttpStatus status;

  ErrorCode(HttpStatus status) {
    this.status = status;
  }

  public HttpStatus status() {
    return status;
  }

  /** Key of the user-facing message in the {@code messages} bundles. */
  public String messageKey() {
    return "error." + name();
  }
}

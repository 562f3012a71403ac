package dev.nanogen.gateway.error;

import dev.nanogen.gateway.web.UserLocale;
import dev.nanogen.ops.trace.Traces;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.MessageSource;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place where errors become HTTP answers: RFC 9457 problem+json with the contract's {@code
 * code}, a user {@code message} in the user's language, and the correlation id. Nothing internal
 * (exception class, stack, SQL) ever reaches the body.
 */
@RestControllerAdvice
public class ProblemHandler {
  private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);
  private final MessageSource messages;

  private final MeterRegistry meters;

  private final Traces traces;

  private final JsonMapper json;

  ProblemHandler(MessageSource messages, MeterRegistry meters, Traces traces, JsonMapper json) {
    this.json = json;
    this.traces = traces;
    this.messages = messages;
    this.meters = meters;
  }

  @ExceptionHandler(AppError.class)
  ResponseEntity<ProblemDetail> onAppError(AppError error, HttpServletRequest request) {
    if (error.code().status().is5xxServerError()) {
      log.warn("{} on {}: {}", error.code(), request.getRequestURI(), error.getMessage());
    }
    return problem(error, request);
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<ProblemDetail> onUnreadable(
      HttpMessageNotReadableException e, HttpServletRequest request) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof AppError appError) {
        return problem(appError, request);
      }
    }
    String field = "body";
    String message = "the body is not valid JSON";
    if (e.getCause() instanceof MismatchedInputException mismatch
        && !mismatch.getPath().isEmpty()) {
      field = mismatch.getPath().getLast().getPropertyName();
      message = "has the wrong type";
    }
    return problem(ValidationFailed.of(field, message), request);
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<ProblemDetail> onTypeMismatch(
      MethodArgumentTypeMismatchException e, HttpServletRequest request) {
    return problem(ValidationFailed.of(e.getName(), "has the wrong type"), request);
  }

  @ExceptionHandler(MissingRequestHeaderException.class)
  ResponseEntity<ProblemDetail> onMissingHeader(
      MissingRequestHeaderException e, HttpServletRequest request) {
    return problem(ValidationFailed.of(e.getHeaderName(), "is required"), request);
  }

  @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
  ResponseEntity<ProblemDetail> onMediaType(
      HttpMediaTypeNotSupportedException e, HttpServletRequest request) {
    return problem(
        new AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send application/json"), request);
  }

  @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
  ResponseEntity<ProblemDetail> onMethod(
      HttpRequestMethodNotSupportedException e, HttpServletRequest request) {
    return problem(
        new AppError(ErrorCode.METHOD_NOT_ALLOWED, e.getMethod() + " is not supported here"),
        request);
  }

  @ExceptionHandler(NoResourceFoundException.class)
  ResponseEntity<ProblemDetail> onNoResource(
      NoResourceFoundException e, HttpServletRequest request) {
    return problem(new AppError(ErrorCode.NOT_FOUND, "no such path"), request);
  }

  @ExceptionHandler({
    DataAccessResourceFailureException.class,
    TransientDataAccessResourceException.class,
    QueryTimeoutException.class,
    CannotCreateTransactionException.class
  })
  ResponseEntity<ProblemDetail> onDatabaseDown(Exception e, HttpServletRequest request) {
    log.error(
        "database unavailable on {} {}: {}",
        request.getMethod(),
        request.getRequestURI(),
        e.getClass().getSimpleName());
    return problem(
        new AppError(ErrorCode.SERVICE_UNAVAILABLE, "the service is temporarily unavailable"),
        request);
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> onUnexpected(Exception e, HttpServletRequest request) {
    if (LockTimeout.is(e)) {
      log.warn("lock timeout on {} {}", request.getMethod(), request.getRequestURI());
      return problem(
          new AppError(ErrorCode.SERVICE_UNAVAILABLE, "the account is busy; try again"), request);
    }
    log.error("unexpected error on {} {}", request.getMethod(), request.getRequestURI(), e);
    return problem(new AppError(ErrorCode.INTERNAL_ERROR, "an unexpected error occurred"), request);
  }

  /**
   * Writes the problem+json answer for {@code error} straight to {@code response}: for what runs
   * before a handler is chosen (servlet filters, CORS checks), where no exception handler applies.
   */
  public void write(AppError error, HttpServletRequest request, HttpServletResponse response)
      throws java.io.IOException {
    ResponseEntity<ProblemDetail> answer = problem(error, request);
    response.setStatus(answer.getStatusCode().value());
    answer.getHeaders().forEach((name, values) -> values.forEach(v -> response.addHeader(name, v)));
    response.getOutputStream().write(json.writeValueAsBytes(answer.getBody()));
  }

  /** Builds the problem+json answer for an {@link AppError}; also used by servlet filters. */
  public ResponseEntity<ProblemDetail> problem(AppError error, HttpServletRequest request) {
    ErrorCode code = error.code();
    // Every refusal by code: limits (RATE_LIMIT_EXCEEDED, MAX_ACTIVE_GENERATIONS), credits, auth,
    // ….
    meters.counter("nanogen.rejections", "code", code.name()).increment();
    Locale locale = UserLocale.of(request);
    ProblemDetail body = ProblemDetail.forStatusAndDetail(code.status(), error.getMessage());
    body.setType(
        URI.create(
            "https://nanogen.dev/problems/"
                + code.name().toLowerCase(Locale.ROOT).replace('_', '-')));
    body.setTitle(code.status().getReasonPhrase());
    body.setInstance(URI.create(request.getRequestURI()));
    body.setProperty("code", code.name());
    body.setProperty(
        "message",
        messages.getMessage(code.messageKey(), error.messageArgs(), code.name(), locale));
    error.fields().forEach(body::setProperty);
    String traceId = traces.currentTraceId();
    if (traceId != null) {
      body.setProperty("correlation_id", traceId);
    }
    HttpHeaders headers = new HttpHeaders();
    headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
    if (error.retryAfterSeconds() != null) {
      headers.set(HttpHeaders.RETRY_AFTER, Long.toString(error.retryAfterSeconds()));
    }
    return ResponseEntity.status(code.status()).headers(headers).body(body);
  }
}

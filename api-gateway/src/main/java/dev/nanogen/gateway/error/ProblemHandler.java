package dev.nanogen.gateway.error;

import dev.nanogen.gateway.i18n.UserLocale;
import dev.nanogen.ops.trace.Traces;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.context.MessageSource;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.context.request.async.AsyncRequestTimeoutException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place where errors become HTTP answers: RFC 9457 problem+json with the contract's {@code
 * code}, a user {@code message} in the user's language, and the correlation id. Nothing internal
 * (exception class, stack, SQL) ever reaches the body.
 */
@RestControllerAdvice
public class ProblemHandler extends ResponseEntityExceptionHandler {
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

  /**
   * Every error Spring MVC raises itself (no handler, a method or media type the path does not
   * take, an Accept it cannot answer, a missing header, an async time-out, …) keeps the status
   * Spring gives it and becomes the contract's problem with the code of that status.
   */
  @Override
  protected ResponseEntity<Object> handleExceptionInternal(
      Exception e,
      @Nullable Object body,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest webRequest) {
    HttpServletRequest request = ((ServletWebRequest) webRequest).getRequest();
    if (((ServletWebRequest) webRequest).getResponse() instanceof HttpServletResponse response
        && response.isCommitted()) {
      return null; // a stream already under way (an event stream's time-out): nothing to answer
    }
    AppError error = springError(e, status);
    if (error.code() == ErrorCode.INTERNAL_ERROR) {
      log.error("unexpected error on {} {}", request.getMethod(), request.getRequestURI(), e);
    }
    ResponseEntity<ProblemDetail> answer = problem(error, request);
    HttpHeaders merged = new HttpHeaders();
    merged.addAll(headers); // Allow (405), Accept (415) as Spring set them
    merged.putAll(answer.getHeaders());
    return ResponseEntity.status(answer.getStatusCode()).headers(merged).body(answer.getBody());
  }

  /** The contract's error for an exception Spring MVC raised with {@code status}. */
  private static AppError springError(Exception e, HttpStatusCode status) {
    return switch (e) {
      case HttpMessageNotReadableException unreadable -> unreadable(unreadable);
      case TypeMismatchException mismatch ->
          ValidationFailed.of(
              mismatch instanceof MethodArgumentTypeMismatchException m
                  ? m.getName()
                  : String.valueOf(mismatch.getPropertyName()),
              "has the wrong type");
      case MissingRequestHeaderException missing ->
          ValidationFailed.of(missing.getHeaderName(), "is required");
      case MissingServletRequestParameterException missing ->
          ValidationFailed.of(missing.getParameterName(), "is required");
      case org.springframework.web.multipart.support.MissingServletRequestPartException missing ->
          ValidationFailed.of(missing.getRequestPartName(), "is required");
      case HttpMediaTypeNotSupportedException unsupported ->
          new AppError(
              ErrorCode.UNSUPPORTED_MEDIA_TYPE,
              "send "
                  + (unsupported.getSupportedMediaTypes().isEmpty()
                      ? "application/json"
                      : unsupported.getSupportedMediaTypes().getFirst().toString()));
      case HttpRequestMethodNotSupportedException method ->
          new AppError(ErrorCode.METHOD_NOT_ALLOWED, method.getMethod() + " is not supported here");
      case HttpMediaTypeNotAcceptableException notAcceptable ->
          new AppError(
              ErrorCode.NOT_ACCEPTABLE,
              "this path answers "
                  + (notAcceptable.getSupportedMediaTypes().isEmpty()
                      ? "another type"
                      : notAcceptable.getSupportedMediaTypes().toString()));
      case NoResourceFoundException notFound -> new AppError(ErrorCode.NOT_FOUND, "no such path");
      case NoHandlerFoundException notFound -> new AppError(ErrorCode.NOT_FOUND, "no such path");
      case AsyncRequestTimeoutException timeout ->
          new AppError(ErrorCode.SERVICE_UNAVAILABLE, "the answer took too long; try again");
      case MaxUploadSizeExceededException tooLarge ->
          new AppError(ErrorCode.PAYLOAD_TOO_LARGE, "the body is too large");
      case org.springframework.web.multipart.MultipartException broken ->
          ValidationFailed.of("file", "the multipart body cannot be read");
      default -> byStatus(status);
    };
  }

  /** What a status Spring chose means in the contract's codes, for an exception not listed. */
  private static AppError byStatus(HttpStatusCode status) {
    return switch (status.value()) {
      case 400 -> ValidationFailed.of("request", "is not valid");
      case 404 -> new AppError(ErrorCode.NOT_FOUND, "no such path");
      case 405 -> new AppError(ErrorCode.METHOD_NOT_ALLOWED, "the method is not supported here");
      case 406 -> new AppError(ErrorCode.NOT_ACCEPTABLE, "this path answers another type");
      case 413 -> new AppError(ErrorCode.PAYLOAD_TOO_LARGE, "the body is too large");
      case 415 -> new AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send application/json");
      case 503 ->
          new AppError(ErrorCode.SERVICE_UNAVAILABLE, "the service is temporarily unavailable");
      default -> new AppError(ErrorCode.INTERNAL_ERROR, "an unexpected error occurred");
    };
  }

  private static AppError unreadable(HttpMessageNotReadableException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof AppError appError) {
        return appError;
      }
    }
    if (e.getCause() instanceof MismatchedInputException mismatch
        && !mismatch.getPath().isEmpty()) {
      return ValidationFailed.of(
          mismatch.getPath().getLast().getPropertyName(), "has the wrong type");
    }
    return ValidationFailed.of("body", "the body is not valid JSON");
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

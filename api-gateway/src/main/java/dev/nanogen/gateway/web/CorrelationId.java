package dev.nanogen.gateway.web;

import dev.nanogen.ops.trace.Traces;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Answers every request's trace id in {@code X-Correlation-Id}: the id under which the gateway's,
 * the worker's and the notifier's log lines (and spans) of a generation started by this request are
 * found. The trace is Micrometer's, started by the request (a caller's own trace context is not
 * continued: {@link UntrustedTraceContext}); this filter runs inside the server observation, after
 * it opened the request's span.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 2)
class CorrelationId extends OncePerRequestFilter {
  public static final String HEADER = "X-Correlation-Id";

  private final Traces traces;

  CorrelationId(Traces traces) {
    this.traces = traces;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String traceId = traces.currentTraceId();
    if (traceId != null) {
      response.setHeader(HEADER, traceId);
    }
    chain.doFilter(request, response);
  }
}

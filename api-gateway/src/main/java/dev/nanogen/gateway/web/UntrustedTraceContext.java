package dev.nanogen.gateway.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Set;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Every request starts a trace of its own: the trace-context headers a caller sends ({@code
 * traceparent}, {@code tracestate}, {@code baggage}, B3) are hidden from the server observation,
 * which runs next. The gateway's callers are the Mini App, Telegram and operators, none of whom
 * NanoGen traces; a client that chose its trace id could fold its requests into another's trace, or
 * pick the correlation id support reads off a problem.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class UntrustedTraceContext extends OncePerRequestFilter {
  private static final Set<String> HIDDEN =
      Set.of(
          "traceparent",
          "tracestate",
          "baggage",
          "b3",
          "x-b3-traceid",
          "x-b3-spanid",
          "x-b3-parentspanid",
          "x-b3-sampled",
          "x-b3-flags");

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    chain.doFilter(new Hiding(request), response);
  }

  private static boolean hidden(String name) {
    return name != null && HIDDEN.contains(name.toLowerCase(Locale.ROOT));
  }

  private static final class Hiding extends HttpServletRequestWrapper {
    Hiding(HttpServletRequest request) {
      super(request);
    }

    @Override
    public String getHeader(String name) {
      return hidden(name) ? null : super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      return hidden(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
      return Collections.enumeration(
          Collections.list(super.getHeaderNames()).stream().filter(n -> !hidden(n)).toList());
    }
  }
}

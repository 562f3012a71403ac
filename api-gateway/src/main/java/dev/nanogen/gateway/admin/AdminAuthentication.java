package dev.nanogen.gateway.admin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.LimitExceeded;
import dev.nanogen.ops.AdminTokens;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Guards /api/admin/** with {@code Authorization: Bearer <NANOGEN_ADMIN_TOKEN>}, compared in
 * constant time. Without a configured token no call is admitted: the admin API is off. A client
 * address with {@link #FAILURES_ALLOWED} failed attempts within {@link #FAILURE_WINDOW} gets 429
 * for the rest of that window, right token or not, so the token cannot be guessed at line speed.
 */
@Configuration(proxyBeanMethods = false)
class AdminAuthentication implements WebMvcConfigurer, HandlerInterceptor {
  static final int FAILURES_ALLOWED = 10;
  static final Duration FAILURE_WINDOW = Duration.ofMinutes(1);

  private final byte[] token;
  private final Cache<String, AtomicInteger> failures =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(FAILURE_WINDOW).build();

  AdminAuthentication(NanogenProperties properties) {
    this.token = AdminTokens.configured(properties.adminToken());
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry.addInterceptor(this).addPathPatterns("/api/admin/**");
  }

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    if (CorsUtils.isPreFlightRequest(request)) {
      return true; // a browser asking before the call; the CORS configuration answers it
    }
    String client = request.getRemoteAddr();
    AtomicInteger failed = failures.getIfPresent(client);
    if (failed != null && failed.get() >= FAILURES_ALLOWED) {
      throw new LimitExceeded(
          ErrorCode.RATE_LIMIT_EXCEEDED, FAILURES_ALLOWED, FAILURE_WINDOW.toSeconds());
    }
    if (!AdminTokens.accepts(token, request.getHeader("Authorization"))) {
      failures.get(client, c -> new AtomicInteger()).incrementAndGet();
      throw new AppError(ErrorCode.ADMIN_AUTH_REQUIRED, "a valid admin Bearer token is required");
    }
    return true;
  }
}

package dev.nanogen.gateway.admin;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.LimitExceeded;
import dev.nanogen.gateway.web.ClientThrottle;
import dev.nanogen.ops.AdminTokens;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Guards /api/admin/** with {@code Authorization: Bearer <NANOGEN_ADMIN_TOKEN>}, compared in
 * constant time. Without a configured token no call is admitted: the admin API is off. The right
 * token always passes, whatever came from its address before (behind a NAT or a proxy an address is
 * shared); failures are throttled: an address with {@link #FAILURES_ALLOWED} failed attempts within
 * {@link #FAILURE_WINDOW} gets 429 instead of 401 for its further failures, so a guesser learns
 * nothing faster and the logs and meters stay quiet. (A token of at least 32 characters is out of
 * reach of guessing at any rate; the throttle is about noise, not about the token.)
 */
@Configuration(proxyBeanMethods = false)
class AdminAuthentication implements WebMvcConfigurer, HandlerInterceptor {
  static final int FAILURES_ALLOWED = 10;
  static final Duration FAILURE_WINDOW = Duration.ofMinutes(1);

  private final byte[] token;
  private final ClientThrottle failures = new ClientThrottle(FAILURES_ALLOWED, FAILURE_WINDOW);

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
    if (AdminTokens.accepts(token, request.getHeader("Authorization"))) {
      return true;
    }
    if (!failures.count(request.getRemoteAddr())) {
      throw new LimitExceeded(
          ErrorCode.RATE_LIMIT_EXCEEDED, FAILURES_ALLOWED, FAILURE_WINDOW.toSeconds());
    }
    throw new AppError(ErrorCode.ADMIN_AUTH_REQUIRED, "a valid admin Bearer token is required");
  }
}

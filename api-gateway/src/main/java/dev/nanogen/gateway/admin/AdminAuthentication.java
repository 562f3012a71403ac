package dev.nanogen.gateway.admin;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Guards /api/admin/** with {@code Authorization: Bearer <NANOGEN_ADMIN_TOKEN>}, compared in
 * constant time. Without a configured token no call is admitted: the admin API is off.
 */
@Configuration(proxyBeanMethods = false)
class AdminAuthentication implements WebMvcConfigurer, HandlerInterceptor {
  private final byte[] token;

  AdminAuthentication(NanogenProperties properties) {
    String configured = properties.adminToken();
    this.token =
        configured == null || configured.isBlank() ? null : configured.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry.addInterceptor(this).addPathPatterns("/api/admin/**");
  }

  @Override
  public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
    String header = request.getHeader("Authorization");
    boolean bearer = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7);
    byte[] given = bearer ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
    if (token == null || !MessageDigest.isEqual(token, given)) {
      throw new AppError(ErrorCode.ADMIN_AUTH_REQUIRED, "a valid admin Bearer token is required");
    }
    return true;
  }
}

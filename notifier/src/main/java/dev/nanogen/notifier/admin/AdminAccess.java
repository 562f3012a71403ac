package dev.nanogen.notifier.admin;

import dev.nanogen.notifier.config.NotifierProperties;
import dev.nanogen.ops.AdminTokens;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Guards the notifier's /api/admin/** exactly as the gateway guards its own: {@code Authorization:
 * Bearer <NANOGEN_ADMIN_TOKEN>}, compared in constant time; no token configured, no admin API. A
 * refusal is the contract's 401 ADMIN_AUTH_REQUIRED problem.
 */
@Configuration(proxyBeanMethods = false)
class AdminAccess implements WebMvcConfigurer, HandlerInterceptor {
  private final byte[] token;

  AdminAccess(NotifierProperties properties) {
    this.token = AdminTokens.configured(properties.adminToken());
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry.addInterceptor(this).addPathPatterns("/api/admin/**");
  }

  @Override
  public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
      throws IOException {
    if (AdminTokens.accepts(token, request.getHeader("Authorization"))) {
      return true;
    }
    response.setStatus(401);
    response.setContentType("application/problem+json");
    response
        .getWriter()
        .write(
            """
        {"type":"https://nanogen.dev/problems/admin-auth-required","title":"Unauthorized","status":401,\
        "detail":"a valid admin Bearer token is required","code":"ADMIN_AUTH_REQUIRED",\
        "message":"A valid admin token is required.","instance":"%s"}"""
                .formatted(request.getRequestURI().replace("\"", "")));
    return false;
  }
}

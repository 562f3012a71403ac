package dev.nanogen.gateway.web;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.ProblemHandler;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.cors.DefaultCorsProcessor;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.handler.AbstractHandlerMapping;

/**
 * Browsers on the NANOGEN_CORS_ORIGINS origins may call /api/** (Spring MVC's CORS support): a
 * preflight answers 204 allowing the API's methods and the headers it reads, and every answer —
 * errors included — carries Access-Control-Allow-Origin and exposes the headers a front end needs.
 * A request from any other origin gets no CORS headers: a preflight is 403 CORS_ORIGIN_NOT_ALLOWED
 * (problem+json), so the browser never sends the call. No cookies are involved (the tma header is
 * the credential), so credentials stay off.
 */
@Configuration(proxyBeanMethods = false)
class CorsConfig implements WebMvcConfigurer {
  static final String[] METHODS = {"GET", "POST", "PUT", "DELETE"};
  static final String[] REQUEST_HEADERS = {
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "X-Correlation-Id",
    "Last-Event-ID",
    "traceparent"
  };
  static final String[] EXPOSED_HEADERS = {
    "Retry-After", "Idempotent-Replayed", "X-Correlation-Id"
  };

  private final NanogenProperties.Cors cors;

  CorsConfig(NanogenProperties properties) {
    this.cors = properties.cors();
  }

  @Override
  public void addCorsMappings(CorsRegistry registry) {
    if (cors.origins().isEmpty()) {
      return;
    }
    registry
        .addMapping("/api/**")
        .allowedOrigins(cors.origins().toArray(String[]::new))
        .allowedMethods(METHODS)
        .allowedHeaders(REQUEST_HEADERS)
        .exposedHeaders(EXPOSED_HEADERS)
        .allowCredentials(false)
        .maxAge(cors.maxAge().toSeconds());
  }

  /**
   * Every handler mapping rejects an unlisted origin with a problem, not Spring's plain-text 403
   * (the check runs while the handler is chosen, before any exception handler could apply).
   */
  @Bean
  static BeanPostProcessor problemCorsRejection(ObjectProvider<ProblemHandler> problems) {
    return new BeanPostProcessor() {
      @Override
      public Object postProcessBeforeInitialization(Object bean, String name) {
        if (bean instanceof AbstractHandlerMapping mapping) {
          mapping.setCorsProcessor(
              new DefaultCorsProcessor() {
                @Override
                protected void rejectRequest(ServerHttpResponse response) throws IOException {
                  ServletServerHttpResponse servlet = (ServletServerHttpResponse) response;
                  HttpServletRequest request =
                      ((ServletRequestAttributes) RequestContextHolder.currentRequestAttributes())
                          .getRequest();
                  problems
                      .getObject()
                      .write(
                          new AppError(
                              ErrorCode.CORS_ORIGIN_NOT_ALLOWED,
                              "this origin is not in NANOGEN_CORS_ORIGINS"),
                          request,
                          servlet.getServletResponse());
                  response.flush();
                }
              });
        }
        return bean;
      }
    };
  }
}

package dev.nanogen.gateway.auth;

import java.util.List;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** initData guards every /api/** path but the public catalog and the admin API (own token). */
@Configuration(proxyBeanMethods = false)
class AuthWebConfig implements WebMvcConfigurer {
  private final TmaAuthentication authentication;

  AuthWebConfig(TmaAuthentication authentication) {
    this.authentication = authentication;
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry
        .addInterceptor(authentication)
        .addPathPatterns("/api/**")
        .excludePathPatterns("/api/models", "/api/admin/**");
  }

  @Override
  public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
    resolvers.add(authentication);
  }
}

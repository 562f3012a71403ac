package dev.nanogen.gateway.web;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * GET /app/: the reference Mini App (static files in the jar, classpath:/static/app/), with /app
 * redirected to it so that its relative links resolve.
 */
@Configuration(proxyBeanMethods = false)
class MiniAppPages implements WebMvcConfigurer {
  @Override
  public void addViewControllers(ViewControllerRegistry registry) {
    registry.addRedirectViewController("/app", "/app/");
    registry.addViewController("/app/").setViewName("forward:/app/index.html");
  }
}

package dev.nanogen.gateway.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI description springdoc builds from the controllers, served at {@code /v3/api-docs}
 * and checked in as docs/openapi.json (OpenApiDocumentTest fails when the two drift apart). The
 * server is relative, so the document is the same on every port.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfig {

  /**
   * Schemas named as the API writes them: swagger-core reads models with its own (Jackson 2) mapper,
   * which does not know {@code spring.jackson.property-naming-strategy: SNAKE_CASE}.
   */
  @Bean
  ModelResolver snakeCaseModels() {
    return new ModelResolver(Json31.mapper().copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)).openapi31(true);
  }

  @Bean
  OpenAPI nanogenOpenApi() {
    return new OpenAPI()
        .info(new Info()
            .title("NanoGen API")
            .version("1")
            .description("""
                The Mini App's backend. Every /api/** call except GET /api/models and /api/admin/** carries \
                `Authorization: tma <initData>`; /api/admin/** carries `Authorization: Bearer <NANOGEN_ADMIN_TOKEN>`. \
                Errors are application/problem+json with a stable `code` (see CONTRACT.md)."""))
        .servers(List.of(new Server().url("/")))
        .components(new Components()
            .addSecuritySchemes("tma", new SecurityScheme()
                .type(SecurityScheme.Type.APIKEY).in(SecurityScheme.In.HEADER).name("Authorization")
                .description("tma <initData> — Telegram Mini App initData, verified by HMAC"))
            .addSecuritySchemes("admin", new SecurityScheme()
                .type(SecurityScheme.Type.HTTP).scheme("bearer").description("NANOGEN_ADMIN_TOKEN")));
  }
}

package dev.nanogen.gateway.apidocs;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.nanogen.gateway.auth.CurrentUser;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.Problems;
import dev.nanogen.gateway.web.Cursor;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import jakarta.annotation.Nullable;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springdoc.core.customizers.PropertyCustomizer;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI description springdoc builds from the controllers, served at {@code /v3/api-docs} and
 * checked in as docs/openapi.json (OpenApiDocumentTest fails when the two drift apart), written for
 * client generators: the acting user is no parameter (it comes from the {@code tma} header), every
 * operation names its security scheme and its problem+json answers, a property a record may leave
 * null says so and one it always has is required. The server is relative, so the document is the
 * same on every port.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfig {
  private static final String PROBLEM = "Problem";
  private static final String REQUIRED = "x-nanogen-required";
  private static final String NULLABLE = "x-nanogen-nullable";

  static {
    // Resolved from the tma header by TmaAuthentication, never sent by a client.
    SpringDocUtils.getConfig().addRequestWrapperToIgnore(CurrentUser.class);
  }

  /**
   * Schemas named as the API writes them: swagger-core reads models with its own (Jackson 2)
   * mapper, which does not know {@code spring.jackson.property-naming-strategy: SNAKE_CASE}.
   */
  @Bean
  ModelResolver snakeCaseModels() {
    return new ModelResolver(
            Json31.mapper().copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE))
        .openapi31(true);
  }

  @Bean
  OpenAPI nanogenOpenApi() {
    return new OpenAPI()
        .info(
            new Info()
                .title("NanoGen API")
                .version("1")
                .description(
                    """
                The Mini App's backend. Every /api/** call except GET /api/models and /api/admin/** carries \
                `Authorization: tma <initData>`; /api/admin/** carries `Authorization: Bearer <NANOGEN_ADMIN_TOKEN>`. \
                Errors are application/problem+json with a stable `code` (the Problem schema lists them)."""))
        .servers(List.of(new Server().url("/")))
        .components(
            new Components()
                .addSecuritySchemes(
                    "tma",
                    new SecurityScheme()
                        .type(SecurityScheme.Type.APIKEY)
                        .in(SecurityScheme.In.HEADER)
                        .name("Authorization")
                        .description(
                            "tma <initData> — Telegram Mini App initData, verified by HMAC"))
                .addSecuritySchemes(
                    "admin",
                    new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .description("NANOGEN_ADMIN_TOKEN"))
                .addSchemas(PROBLEM, problemSchema()));
  }

  /**
   * Every property is written (the API writes nulls, never omits a field), so every one is required
   * in an answer; only one marked {@link Nullable} may be null, and its schema says so. In a
   * request body a {@link Nullable} property is optional instead.
   */
  @Bean
  PropertyCustomizer nullsAndRequired() {
    return (property, type) -> {
      if (!nullable(type)) {
        property.addExtension(REQUIRED, true);
        return property;
      }
      if (property.get$ref() != null) {
        return new Schema<>()
            .anyOf(List.of(property, new Schema<>().types(Set.of("null"))))
            .extensions(new LinkedHashMap<>(Map.of(REQUIRED, true, NULLABLE, true)));
      }
      if (property.getTypes() != null
          && !property.getTypes().isEmpty()
          && !property.getTypes().contains("null")) {
        Set<String> types = new TreeSet<>(property.getTypes());
        types.add("null");
        property.setTypes(types);
      }
      property.addExtension(REQUIRED, true);
      property.addExtension(NULLABLE, true);
      return property;
    };
  }

  private static boolean nullable(io.swagger.v3.core.converter.AnnotatedType type) {
    return type.getCtxAnnotations() != null
        && Arrays.stream(type.getCtxAnnotations()).anyMatch(a -> a instanceof Nullable);
  }

  /** Every page's {@code limit} as {@link Cursor#limit} checks it. */
  @Bean
  OperationCustomizer pageLimits() {
    return (operation, handler) -> {
      if (operation.getParameters() != null) {
        operation.getParameters().stream()
            .filter(p -> "query".equals(p.getIn()) && "limit".equals(p.getName()))
            .forEach(
                p ->
                    p.setSchema(
                        new Schema<Integer>()
                            .types(Set.of("integer"))
                            .format("int32")
                            .minimum(java.math.BigDecimal.ONE)
                            .maximum(java.math.BigDecimal.valueOf(Cursor.MAX_LIMIT))
                            ._default(Cursor.DEFAULT_LIMIT)));
      }
      return operation;
    };
  }

  /** The codes an endpoint names with {@link Problems}, as problem+json responses. */
  @Bean
  OperationCustomizer problemsOfTheEndpoint() {
    return (operation, handler) -> {
      Problems problems = handler.getMethodAnnotation(Problems.class);
      if (problems != null) {
        addProblems(operation, Arrays.asList(problems.value()));
      }
      return operation;
    };
  }

  /**
   * What every operation of a kind shares: its security scheme and the problems any call of it may
   * get; and the required lists the property customizer marked.
   */
  @Bean
  OpenApiCustomizer securityAndSharedProblems() {
    return openApi -> {
      openApi
          .getPaths()
          .forEach(
              (path, item) ->
                  item.readOperations()
                      .forEach(
                          operation -> {
                            if (path.startsWith("/api/admin/")) {
                              operation.setSecurity(
                                  List.of(new SecurityRequirement().addList("admin")));
                              addProblems(
                                  operation,
                                  List.of(
                                      ErrorCode.ADMIN_AUTH_REQUIRED,
                                      ErrorCode.RATE_LIMIT_EXCEEDED,
                                      ErrorCode.SERVICE_UNAVAILABLE,
                                      ErrorCode.INTERNAL_ERROR));
                            } else if (path.startsWith("/api/") && !path.equals("/api/models")) {
                              operation.setSecurity(
                                  List.of(new SecurityRequirement().addList("tma")));
                              addProblems(
                                  operation,
                                  List.of(
                                      ErrorCode.INVALID_INIT_DATA,
                                      ErrorCode.INIT_DATA_EXPIRED,
                                      ErrorCode.USER_BANNED,
                                      ErrorCode.RATE_LIMIT_EXCEEDED,
                                      ErrorCode.SERVICE_UNAVAILABLE,
                                      ErrorCode.INTERNAL_ERROR));
                            } else {
                              addProblems(operation, List.of(ErrorCode.INTERNAL_ERROR));
                            }
                          }));
      Set<String> requests = requestSchemas(openApi);
      openApi
          .getComponents()
          .getSchemas()
          .forEach((name, schema) -> collectRequired(schema, requests.contains(name)));
      openApi.getComponents().getSchemas().values().forEach(OpenApiConfig::dropMarks);
    };
  }

  /** Removes the marks left where no required list reads them (map values, array items). */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private static void dropMarks(Schema<?> schema) {
    if (schema == null) {
      return;
    }
    if (schema.getExtensions() != null) {
      schema.getExtensions().remove(REQUIRED);
      schema.getExtensions().remove(NULLABLE);
      if (schema.getExtensions().isEmpty()) {
        schema.setExtensions(null);
      }
    }
    if (schema.getProperties() != null) {
      ((Map<String, Schema>) (Map) schema.getProperties())
          .values()
          .forEach(OpenApiConfig::dropMarks);
    }
    if (schema.getAdditionalProperties() instanceof Schema<?> values) {
      dropMarks(values);
    }
    dropMarks(schema.getItems());
    if (schema.getAnyOf() != null) {
      ((List<Schema>) (List) schema.getAnyOf()).forEach(OpenApiConfig::dropMarks);
    }
  }

  /** The schemas request bodies name: their nullable properties are optional. */
  private static Set<String> requestSchemas(OpenAPI openApi) {
    Set<String> names = new TreeSet<>();
    openApi
        .getPaths()
        .values()
        .forEach(
            item ->
                item.readOperations().stream()
                    .filter(
                        o -> o.getRequestBody() != null && o.getRequestBody().getContent() != null)
                    .flatMap(o -> o.getRequestBody().getContent().values().stream())
                    .map(MediaType::getSchema)
                    .filter(s -> s != null && s.get$ref() != null)
                    .forEach(
                        s -> names.add(s.get$ref().substring(s.get$ref().lastIndexOf('/') + 1))));
    return names;
  }

  /**
   * Turns the property customizer's marks into the schema's required list: every property of an
   * answer; of a request body, those that may not be null.
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private static void collectRequired(Schema<?> schema, boolean request) {
    if (schema.getProperties() == null) {
      return;
    }
    Set<String> required =
        new TreeSet<>(schema.getRequired() == null ? List.of() : schema.getRequired());
    ((Map<String, Schema>) (Map) schema.getProperties())
        .forEach(
            (name, property) -> {
              if (property.getExtensions() == null) {
                return;
              }
              boolean marked = property.getExtensions().remove(REQUIRED) != null;
              boolean nullable = property.getExtensions().remove(NULLABLE) != null;
              if (property.getExtensions().isEmpty()) {
                property.setExtensions(null);
              }
              if (marked && !(request && nullable)) {
                required.add(name);
              }
            });
    schema.setRequired(required.isEmpty() ? null : List.copyOf(required));
  }

  /**
   * Adds {@code codes} as problem+json responses, one per status, the codes named in its
   * description.
   */
  private static void addProblems(Operation operation, List<ErrorCode> codes) {
    ApiResponses responses =
        operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
    Map<Integer, List<ErrorCode>> byStatus =
        codes.stream()
            .collect(
                Collectors.groupingBy(c -> c.status().value(), TreeMap::new, Collectors.toList()));
    byStatus.forEach(
        (status, ofStatus) -> {
          ApiResponse existing = responses.get(Integer.toString(status));
          Set<String> named = new TreeSet<>(ofStatus.stream().map(ErrorCode::name).toList());
          if (existing != null
              && existing.getDescription() != null
              && existing.getDescription().startsWith("Problem: ")) {
            named.addAll(
                List.of(existing.getDescription().substring("Problem: ".length()).split(", ")));
          } else if (existing != null) {
            return; // a success answer of this status is documented: leave it
          }
          responses.addApiResponse(
              Integer.toString(status),
              new ApiResponse()
                  .description("Problem: " + String.join(", ", named))
                  .content(
                      new Content()
                          .addMediaType(
                              "application/problem+json",
                              new MediaType()
                                  .schema(
                                      new Schema<>().$ref("#/components/schemas/" + PROBLEM)))));
        });
    operation.setResponses(sorted(responses));
  }

  private static ApiResponses sorted(ApiResponses responses) {
    ApiResponses ordered = new ApiResponses();
    new TreeMap<>(responses).forEach(ordered::addApiResponse);
    return ordered;
  }

  /** RFC 9457 problem details with the contract's members. */
  private static Schema<?> problemSchema() {
    Map<String, Schema> properties = new LinkedHashMap<>();
    properties.put("type", new Schema<>().types(Set.of("string")).format("uri"));
    properties.put("title", new Schema<>().types(Set.of("string")));
    properties.put("status", new Schema<>().types(Set.of("integer")));
    properties.put("detail", new Schema<>().types(Set.of("string")));
    properties.put("instance", new Schema<>().types(Set.of("string")));
    properties.put(
        "code",
        new Schema<>()
            .types(Set.of("string"))
            ._enum(
                Stream.of(ErrorCode.values())
                    .map(ErrorCode::name)
                    .map(Object.class::cast)
                    .toList()));
    properties.put(
        "message",
        new Schema<>()
            .types(Set.of("string"))
            .description("for the user, in their language (ru, uz, en)"));
    properties.put("correlation_id", new Schema<>().types(Set.of("string")));
    Schema<?> fieldProblem =
        new Schema<>()
            .types(Set.of("object"))
            .addProperty("field", new Schema<>().types(Set.of("string")))
            .addProperty("message", new Schema<>().types(Set.of("string")));
    properties.put(
        "errors",
        new Schema<>().types(Set.of("array")).items(fieldProblem).description("VALIDATION_ERROR"));
    properties.put(
        "required", new Schema<>().types(Set.of("integer")).description("INSUFFICIENT_CREDITS"));
    properties.put(
        "available", new Schema<>().types(Set.of("integer")).description("INSUFFICIENT_CREDITS"));
    properties.put(
        "limit",
        new Schema<>()
            .types(Set.of("integer"))
            .description("RATE_LIMIT_EXCEEDED, MAX_ACTIVE_GENERATIONS"));
    Map<String, Object> example = new LinkedHashMap<>();
    example.put("type", "about:blank");
    example.put("title", "Payment Required");
    example.put("status", 402);
    example.put("detail", "the model costs 5 credits, 2 available");
    example.put("code", ErrorCode.INSUFFICIENT_CREDITS.name());
    example.put("message", "Not enough credits: this costs 5, you have 2.");
    example.put("correlation_id", "4bf92f3577b34da6a3ce929d0e0e4736");
    example.put("required", 5);
    example.put("available", 2);
    Schema<?> problem =
        new Schema<>()
            .types(Set.of("object"))
            .required(List.of("code", "message", "status", "title", "type"))
            .example(example);
    problem.setProperties(properties);
    return problem;
  }

  private static boolean primitive(Type type) {
    if (type instanceof Class<?> c) {
      return c.isPrimitive();
    }
    return type instanceof JavaType j && j.isPrimitive();
  }
}

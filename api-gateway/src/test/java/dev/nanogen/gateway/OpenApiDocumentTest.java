package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * docs/openapi.json is the served OpenAPI document, checked in for front-end client generators.
 * This test fails when they drift apart ({@code infra/bin/openapi} writes the file anew), when the
 * document misleads a generator (an internal parameter, an operation without its security scheme or
 * its problems), and when a real answer does not match the schema the document gives for it.
 */
class OpenApiDocumentTest extends IntegrationTest {
  static final Path CHECKED_IN = Path.of("../docs/openapi.json");
  private static final JsonMapper PRETTY =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
  private static final SchemaRegistry SCHEMAS =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  private JsonNode served() {
    HttpResponse<String> served = send(HttpRequest.newBuilder(uri("/v3/api-docs")).build());
    assertThat(served.statusCode()).isEqualTo(200);
    return JSON.readTree(served.body());
  }

  @Test
  void the_checked_in_openapi_document_is_the_one_the_gateway_serves() throws IOException {
    JsonNode document = served();
    assertThat(document.path("openapi").asString()).startsWith("3.");
    assertThat(document.path("paths").has("/api/generation/start")).isTrue();
    // Field names as the API writes them (snake_case), not as the Java records spell them.
    JsonNode me = json(get("/api/me", newUserId()));
    assertThat(
            document
                .path("components")
                .path("schemas")
                .path("Me")
                .path("properties")
                .propertyNames())
        .containsExactlyInAnyOrderElementsOf(me.propertyNames());
    String current = PRETTY.writeValueAsString(document) + "\n";

    if (Boolean.getBoolean("nanogen.openapi.write")) {
      Files.writeString(CHECKED_IN, current);
    }
    assertThat(CHECKED_IN).as("docs/openapi.json (write it with infra/bin/openapi)").exists();
    assertThat(Files.readString(CHECKED_IN))
        .as("docs/openapi.json is out of date: run infra/bin/openapi and commit it")
        .isEqualTo(current);
  }

  @Test
  void every_operation_names_its_security_and_its_problems_and_nothing_internal() {
    JsonNode document = served();
    List<String> operations = new ArrayList<>();
    for (Map.Entry<String, JsonNode> path : document.path("paths").properties()) {
      for (Map.Entry<String, JsonNode> method : path.getValue().properties()) {
        String name = method.getKey() + " " + path.getKey();
        JsonNode operation = method.getValue();
        operations.add(name);
        for (JsonNode parameter : operation.path("parameters")) {
          assertThat(parameter.path("name").asString()).as(name).isNotEqualTo("user");
        }
        String scheme =
            path.getKey().startsWith("/api/admin/")
                ? "admin"
                : path.getKey().startsWith("/api/") && !path.getKey().equals("/api/models")
                    ? "tma"
                    : null;
        if (scheme != null) {
          assertThat(operation.path("security").path(0).has(scheme))
              .as(name + " names the " + scheme + " scheme")
              .isTrue();
        }
        boolean problems = false;
        for (Map.Entry<String, JsonNode> response : operation.path("responses").properties()) {
          if (response.getKey().startsWith("4") || response.getKey().startsWith("5")) {
            // A body is a problem; a bare status (GET /files' 404: the random name is the
            // capability) has none.
            JsonNode content = response.getValue().path("content");
            assertThat(content.isMissingNode() || content.has("application/problem+json"))
                .as(name + " " + response.getKey())
                .isTrue();
            problems = true;
          } else {
            assertThat(response.getValue().path("content").has("*/*"))
                .as(name + " answers a typed body")
                .isFalse();
          }
        }
        assertThat(problems).as(name + " lists its problems").isTrue();
      }
    }
    assertThat(operations).contains("post /api/generation/start", "post /api/payments/invoice");
    assertThat(document.path("components").path("schemas").has("CurrentUser")).isFalse();
    assertThat(
            document
                .path("paths")
                .path("/api/generation/start")
                .path("post")
                .path("responses")
                .has("202"))
        .isTrue();
  }

  @Test
  void every_operation_has_a_name_a_client_reads_and_one_tag_of_its_resource() {
    JsonNode document = served();
    Map<String, String> names = new java.util.TreeMap<>();
    for (Map.Entry<String, JsonNode> path : document.path("paths").properties()) {
      for (Map.Entry<String, JsonNode> method : path.getValue().properties()) {
        String name = method.getKey() + " " + path.getKey();
        JsonNode operation = method.getValue();
        String operationId = operation.path("operationId").asString();
        assertThat(operationId)
            .as(name + ": a verb and a noun in lowerCamelCase, not a Java method's name")
            .matches(
                "(get|list|start|cancel|create|delete|stream|grant|ban|unban|set|put|requeue"
                    + "|refund|reconcile|receive)[A-Za-z]*");
        assertThat(names.put(operationId, name)).as(operationId + " names one operation").isNull();
        assertThat(operation.path("tags").size()).as(name + " has one tag").isEqualTo(1);
        String tag = operation.path("tags").path(0).asString();
        assertThat(tag)
            .as(name)
            .isIn(
                "Generations",
                "Account",
                "Models",
                "Payments",
                "Events",
                "Uploads",
                "Files",
                "Admin",
                "Telegram");
        if (path.getKey().startsWith("/api/admin/")) {
          assertThat(tag).as(name).isEqualTo("Admin");
        }
      }
    }
    assertThat(names)
        .containsEntry("startGeneration", "post /api/generation/start")
        .containsEntry("getGeneration", "get /api/generation/{id}")
        .containsEntry("listGenerations", "get /api/generations")
        .containsEntry("cancelGeneration", "post /api/generation/{id}/cancel")
        .containsEntry("getMe", "get /api/me")
        .containsEntry("createInvoice", "post /api/payments/invoice")
        .containsEntry("createUpload", "post /api/uploads")
        .containsEntry("listUploads", "get /api/uploads")
        .containsEntry("deleteUpload", "delete /api/uploads/{id}");
  }

  @Test
  void statuses_kinds_and_failure_codes_are_enums_of_exactly_the_values_the_code_has() {
    JsonNode schemas = served().path("components").path("schemas");
    List<String> statuses =
        java.util.Arrays.stream(dev.nanogen.model.GenerationStatus.values())
            .map(dev.nanogen.model.GenerationStatus::wire)
            .toList();
    for (String schema :
        List.of(
            "GenerationView",
            "StartResponse",
            "AdminGenerationRow",
            "AdminStatusChange",
            "AdminGeneration")) {
      assertThat(values(schemas.path(schema).path("properties").path("status")))
          .as(schema + ".status")
          .containsExactlyInAnyOrderElementsOf(statuses);
    }
    List<String> codes = new ArrayList<>();
    for (dev.nanogen.model.FailureCode code : dev.nanogen.model.FailureCode.values()) {
      codes.add(code.name());
    }
    codes.add("CANCELLED");
    assertThat(values(schemas.path("GenerationError").path("properties").path("code")))
        .containsExactlyInAnyOrderElementsOf(codes);
    assertThat(values(schemas.path("ModelView").path("properties").path("kind")))
        .containsExactlyInAnyOrder("image", "video");
  }

  private static List<String> values(JsonNode property) {
    List<String> values = new ArrayList<>();
    property.path("enum").forEach(v -> values.add(v.asString()));
    return values;
  }

  @Test
  void real_answers_match_the_schemas_the_document_gives_for_them() {
    JsonNode document = served();
    long user = newUserId();
    grant(user, 10);

    HttpResponse<String> started = start(user, "flux-schnell", "schema check");
    String id = json(started).path("generation_id").asString();
    assertMatches(document, "post", "/api/generation/start", started);
    assertMatches(document, "get", "/api/generation/{id}", get("/api/generation/" + id, user));
    assertMatches(document, "get", "/api/generations", get("/api/generations?limit=1", user));
    assertMatches(document, "get", "/api/me", get("/api/me", user));
    assertMatches(document, "get", "/api/me/ledger", get("/api/me/ledger", user));
    assertMatches(document, "get", "/api/models", get("/api/models", user));
    assertMatches(document, "get", "/api/credit-packs", get("/api/credit-packs", user));
    assertMatches(
        document,
        "post",
        "/api/payments/invoice",
        post("/api/payments/invoice", user, Map.of("pack_id", "small"), Map.of()));
    assertMatches(document, "get", "/api/payments", get("/api/payments", user));
    assertMatches(
        document, "post", "/api/generation/start", start(user, "veo-3", "too expensive")); // 402
    assertMatches(
        document,
        "get",
        "/api/generation/{id}",
        get("/api/generation/" + java.util.UUID.randomUUID(), user)); // 404
    assertMatches(
        document,
        "post",
        "/api/generation/start",
        post(
            "/api/generation/start",
            user,
            Map.of("model_id", "flux-schnell", "prompt", ""),
            Map.of())); // 400
  }

  /** The answer's body validates against the schema the document gives for its status and type. */
  @Test
  void a_generation_s_whole_life_its_problems_and_the_admin_views_match_their_schemas()
      throws Exception {
    JsonNode document = served();
    assertThat(document.toString()).as("no internal marks").doesNotContain("x-nanogen");
    long user = newUserId();
    grant(user, 50);

    String completed = startedId(user, "completes");
    publish(
        dev.nanogen.model.Topics.OUTCOMES,
        completed,
        new dev.nanogen.model.GenerationSucceeded(
            java.util.UUID.randomUUID(),
            java.time.Instant.now(),
            dev.nanogen.model.GenerationSucceeded.SCHEMA_VERSION,
            java.util.UUID.fromString(completed),
            List.of("https://files.example/a.png"),
            1200,
            "aiml",
            java.math.BigDecimal.ONE));
    String failed = startedId(user, "fails");
    publish(
        dev.nanogen.model.Topics.OUTCOMES,
        failed,
        dev.nanogen.model.GenerationFailed.of(
            java.util.UUID.fromString(failed),
            dev.nanogen.model.FailureCode.PROVIDER_REJECTED,
            "no",
            java.time.Instant.now()));
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .until(
            () ->
                json(get("/api/generation/" + completed, user))
                        .path("status")
                        .asString()
                        .equals("completed")
                    && json(get("/api/generation/" + failed, user))
                        .path("status")
                        .asString()
                        .equals("failed"));
    assertMatches(
        document, "get", "/api/generation/{id}", get("/api/generation/" + completed, user));
    assertMatches(document, "get", "/api/generation/{id}", get("/api/generation/" + failed, user));

    String pending = startedId(user, "cancelled");
    String cancel = "/api/generation/" + pending + "/cancel";
    assertMatches(
        document, "post", "/api/generation/{id}/cancel", post(cancel, user, "", Map.of()));
    assertMatches(
        document, "post", "/api/generation/{id}/cancel", post(cancel, user, "", Map.of())); // 409
    assertMatches(document, "get", "/api/generations", get("/api/generations", user));

    Map<String, String> key = Map.of("Idempotency-Key", "schema-" + user);
    post("/api/generation/start", user, Map.of("model_id", "flux-schnell", "prompt", "one"), key);
    assertMatches(
        document,
        "post",
        "/api/generation/start",
        post(
            "/api/generation/start",
            user,
            Map.of("model_id", "flux-schnell", "prompt", "another"),
            key)); // 422
    HttpResponse<String> refused = null;
    for (int i = 0; i < 30 && refused == null; i++) {
      HttpResponse<String> answer = start(user, "flux-schnell", "until refused " + i);
      if (answer.statusCode() == 429) {
        refused = answer;
      }
    }
    assertThat(refused).as("a start past the limits").isNotNull();
    assertMatches(document, "post", "/api/generation/start", refused); // 429

    assertMatches(
        document,
        "get",
        "/api/admin/users/{userId}",
        admin("GET", "/api/admin/users/" + user, null, null));
    assertMatches(
        document,
        "get",
        "/api/admin/generations/{id}",
        admin("GET", "/api/admin/generations/" + completed, null, null));
    assertMatches(
        document,
        "get",
        "/api/admin/generations/{id}",
        admin("GET", "/api/admin/generations/" + failed, null, null));
    for (String path :
        List.of(
            "/api/admin/stats",
            "/api/admin/payments",
            "/api/admin/payments/totals",
            "/api/admin/payments/anomalies",
            "/api/admin/credit-packs",
            "/api/admin/outbox/parked",
            "/api/admin/reconcile")) {
      assertMatches(document, "get", path, admin("GET", path, null, null));
    }
  }

  private String startedId(long user, String prompt) {
    HttpResponse<String> started = start(user, "flux-schnell", prompt);
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    return json(started).path("generation_id").asString();
  }

  private static void assertMatches(
      JsonNode document, String method, String path, HttpResponse<String> answer) {
    String status = Integer.toString(answer.statusCode());
    JsonNode response =
        document.path("paths").path(path).path(method).path("responses").path(status);
    assertThat(response.isMissingNode())
        .as(method + " " + path + " documents " + status + ": " + answer.body())
        .isFalse();
    String type = answer.headers().firstValue("Content-Type").orElse("").split(";")[0].strip();
    JsonNode schema = response.path("content").path(type).path("schema");
    assertThat(schema.isMissingNode())
        .as(method + " " + path + " " + status + " documents " + type)
        .isFalse();
    // The document itself is the schema resource, so #/components/schemas/… references resolve.
    ObjectNode root =
        ((ObjectNode) document.deepCopy())
            .put("$schema", "https://json-schema.org/draft/2020-12/schema");
    root.set("$ref", schema.path("$ref"));
    List<Error> errors = SCHEMAS.getSchema(root).validate(JSON.readTree(answer.body()));
    assertThat(errors).as(method + " " + path + " " + status + ": " + answer.body()).isEmpty();
  }
}

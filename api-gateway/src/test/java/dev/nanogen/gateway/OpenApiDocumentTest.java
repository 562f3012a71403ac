package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * docs/openapi.json is the served OpenAPI document, checked in for front-end client generators.
 * This test fails when they drift apart; {@code infra/bin/openapi} writes the file anew.
 */
class OpenApiDocumentTest extends IntegrationTest {
  static final Path CHECKED_IN = Path.of("../docs/openapi.json");
  private static final JsonMapper PRETTY = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  @Test
  void the_checked_in_openapi_document_is_the_one_the_gateway_serves() throws IOException {
    HttpResponse<String> served = send(HttpRequest.newBuilder(uri("/v3/api-docs")).build());
    assertThat(served.statusCode()).isEqualTo(200);
    JsonNode document = JSON.readTree(served.body());
    assertThat(document.path("openapi").asString()).startsWith("3.");
    assertThat(document.path("paths").has("/api/generation/start")).isTrue();
    // Field names as the API writes them (snake_case), not as the Java records spell them.
    JsonNode me = json(get("/api/me", newUserId()));
    assertThat(document.path("components").path("schemas").path("Me").path("properties").propertyNames())
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
}

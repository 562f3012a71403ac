package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.gateway.error.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * docs/api.md is the API's reference in the repository: its error table names every code the
 * gateway has, with the code's status, and it names every operation of docs/openapi.json.
 */
class ApiReferenceTest {
  private static final Path REFERENCE = Path.of("../docs/api.md");

  @Test
  void the_error_table_lists_every_code_with_its_status() throws Exception {
    String reference = Files.readString(REFERENCE);
    List<String> missing = new ArrayList<>();
    for (ErrorCode code : ErrorCode.values()) {
      String row = "| " + code.name() + " | " + code.status().value() + " |";
      if (!reference.contains(row)) {
        missing.add(row);
      }
    }
    assertThat(missing).as("rows missing from docs/api.md's error table").isEmpty();
  }

  @Test
  void every_operation_of_the_document_is_named_in_the_reference() throws Exception {
    String reference = Files.readString(REFERENCE);
    JsonNode document =
        JsonMapper.builder().build().readTree(Files.readString(OpenApiDocumentTest.CHECKED_IN));
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, JsonNode> path : document.path("paths").properties()) {
      for (Map.Entry<String, JsonNode> method : path.getValue().properties()) {
        String id = method.getValue().path("operationId").asString();
        if (!reference.contains(id)) {
          missing.add(id + " (" + method.getKey() + " " + path.getKey() + ")");
        }
      }
    }
    assertThat(missing).as("operations docs/api.md does not name").isEmpty();
  }
}

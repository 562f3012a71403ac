package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A front end's view of docs/openapi.json (the document OpenApiDocumentTest keeps equal to the
 * served one): openapi-typescript generates a client from it, and infra/openapi-client/usage.ts — a
 * start with its 202 and problems, a status, the account, a purchase, the catalog, through
 * openapi-fetch — must type-check against it with tsc in strict mode; then flow.ts runs those calls
 * against this test's gateway with node. Needs Node.js and npm (infra/bin/test installs them).
 */
class OpenApiClientTest extends IntegrationTest {
  private static final Path CLIENT = Path.of("../infra/openapi-client");

  @Test
  void a_typescript_client_generated_from_the_document_type_checks_a_mini_apps_calls()
      throws Exception {
    run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of());
    run(List.of("npm", "run", "check"), Map.of());
    long user = newUserId();
    grant(user, 10);
    String output =
        run(
            List.of("npm", "run", "flow"),
            Map.of(
                "NANOGEN_BASE_URL",
                uri("").toString().replaceAll("/$", ""),
                "NANOGEN_INIT_DATA",
                initData(user)));
    assertThat(output)
        .contains("start: [", "\"pending\"", "404: [\"GENERATION_NOT_FOUND\"]", "invoice: ");
    assertThat(json(get("/api/generations", user)).path("items").size())
        .as("the flow's start reached the gateway")
        .isEqualTo(1);
  }

  private static String run(List<String> command, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(CLIENT.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    byte[] output = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(5, TimeUnit.MINUTES))
        .as(String.join(" ", command) + " finished")
        .isTrue();
    assertThat(process.exitValue())
        .as(String.join(" ", command) + ":\n" + new String(output, StandardCharsets.UTF_8))
        .isZero();
    return new String(output, StandardCharsets.UTF_8);
  }
}

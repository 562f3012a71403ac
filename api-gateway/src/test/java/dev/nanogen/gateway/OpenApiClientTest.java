package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A front end's view of docs/openapi.json (the document OpenApiDocumentTest keeps equal to the
 * served one): openapi-typescript generates a client from it, and infra/openapi-client/usage.ts — a
 * start with its 202 and problems, a status, the account, a purchase, the catalog, through
 * openapi-fetch — must type-check against it with tsc in strict mode. Needs Node.js and npm
 * (.ci/run installs them).
 */
class OpenApiClientTest {
  private static final Path CLIENT = Path.of("../infra/openapi-client");

  @Test
  void a_typescript_client_generated_from_the_document_type_checks_a_mini_apps_calls()
      throws Exception {
    run(List.of("npm", "ci", "--no-audit", "--no-fund"));
    run(List.of("npm", "run", "check"));
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command).directory(CLIENT.toFile()).redirectErrorStream(true).start();
    byte[] output = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(5, TimeUnit.MINUTES))
        .as(String.join(" ", command) + " finished")
        .isTrue();
    assertThat(process.exitValue())
        .as(String.join(" ", command) + ":\n" + new String(output, StandardCharsets.UTF_8))
        .isZero();
  }
}

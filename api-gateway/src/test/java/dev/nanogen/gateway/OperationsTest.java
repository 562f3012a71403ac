package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.testkit.TestInfra;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalManagementPort;

/**
 * The gateway's management port: probes that follow the database, and the metrics operators read.
 */
class OperationsTest extends IntegrationTest {
  @LocalManagementPort int managementPort;

  private HttpResponse<String> management(String path) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path)).build());
  }

  @Test
  void actuator_lives_on_the_management_port_only() {
    assertThat(managementPort).isNotEqualTo(port);
    assertThat(management("/actuator/health/liveness").statusCode()).isEqualTo(200);
    assertThat(get("/actuator/health", newUserId()).statusCode()).isEqualTo(404);
  }

  @Test
  void the_sbom_of_what_the_gateway_ships_is_served_on_the_management_port() throws Exception {
    HttpResponse<String> sbom = management("/actuator/sbom/application");

    assertThat(sbom.statusCode()).isEqualTo(200);
    assertThat(json(sbom).path("bomFormat").asString()).isEqualTo("CycloneDX");
    assertThat(sbom.body()).contains("pkg:maven/org.springframework.boot/spring-boot@");
    assertThat(get("/actuator/sbom/application", newUserId()).statusCode()).isEqualTo(404);
  }

  @Test
  void readiness_goes_down_with_the_database_and_comes_back_with_it() {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> management("/actuator/health/readiness").statusCode() == 200);

    TestInfra.withDatabaseDown(
        DATABASE_NAME,
        () -> {
          HttpResponse<String> down = management("/actuator/health/readiness");
          assertThat(down.statusCode()).isEqualTo(503);
          assertThat(json(down).path("components").path("db").path("status").asString())
              .isEqualTo("DOWN");
          assertThat(management("/actuator/health/liveness").statusCode())
              .as("alive, only not ready")
              .isEqualTo(200);
        });

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> management("/actuator/health/readiness").statusCode() == 200);
    assertThat(
            json(management("/actuator/health"))
                .path("components")
                .path("kafka")
                .path("status")
                .asString())
        .isEqualTo("UP");
  }

  @Test
  void the_money_path_metrics_are_exported_for_prometheus() {
    long user = newUserId();
    grant(user, 10);
    String id = json(start(user, "flux-pro", "metrics")).path("generation_id").asString();
    post("/api/generation/" + id + "/cancel", user, Map.of(), Map.of());
    start(user, "no-such-model", "rejected");
    Map<String, String> key = Map.of("Idempotency-Key", "metrics-" + user);
    post("/api/generation/start", user, Map.of("model_id", "flux-schnell", "prompt", "twice"), key);
    post("/api/generation/start", user, Map.of("model_id", "flux-schnell", "prompt", "twice"), key);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(management("/actuator/prometheus").body())
                    .contains(
                        "nanogen_generations_started_total{application=\"api-gateway\",model=\"flux-pro\"}")
                    .contains(
                        "nanogen_generations_ended_total{application=\"api-gateway\",model=\"flux-pro\",status=\"cancelled\"}")
                    .contains(
                        "nanogen_credits_total{application=\"api-gateway\",model=\"flux-pro\",movement=\"held\"}")
                    .contains(
                        "nanogen_credits_total{application=\"api-gateway\",model=\"flux-pro\",movement=\"released\"}")
                    .contains("nanogen_generation_duration_seconds_bucket")
                    .contains(
                        "nanogen_rejections_total{application=\"api-gateway\",code=\"MODEL_NOT_FOUND\"}")
                    .contains(
                        "nanogen_idempotency_replays_total{application=\"api-gateway\",scope=\"start\"}")
                    .contains("nanogen_outbox_backlog")
                    .contains("nanogen_outbox_oldest_age"));
  }
}

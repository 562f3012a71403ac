package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.model.GenerationFailed;
import dev.nanogen.model.GenerationStarted;
import dev.nanogen.model.GenerationSucceeded;
import dev.nanogen.model.Topics;
import dev.nanogen.testkit.KafkaProbe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Worker outcomes travel through the real broker and are applied once, whatever happens to them.
 */
class SettlementTest extends IntegrationTest {
  @Autowired JsonMapper json;

  private void publish(UUID id, String type, String value) throws Exception {
    ProducerRecord<String, String> record =
        new ProducerRecord<>(Topics.OUTCOMES, id.toString(), value);
    record.headers().add(Topics.EVENT_TYPE_HEADER, type.getBytes(StandardCharsets.UTF_8));
    kafka.send(record).get();
  }

  private void publish(UUID id, Record event) throws Exception {
    publish(id, event.getClass().getSimpleName(), json.writeValueAsString(event));
  }

  private UUID startOne(long user, String model) {
    return UUID.fromString(
        json(start(user, model, "settle " + UUID.randomUUID())).path("generation_id").asString());
  }

  private String status(long user, UUID id) {
    return json(get("/api/generation/" + id, user)).path("status").asString();
  }

  private long settlements(UUID id, String kind) {
    return jdbc.sql("SELECT count(*) FROM ledger WHERE generation_id = :g AND kind = :k")
        .param("g", id)
        .param("k", kind)
        .query(Long.class)
        .single();
  }

  @Test
  void an_outcome_delivered_three_times_settles_once_and_is_announced_once() throws Exception {
    long user = newUserId();
    grant(user, 10);
    UUID id = startOne(user, "flux-pro");
    GenerationSucceeded succeeded =
        new GenerationSucceeded(
            UUID.randomUUID(), Instant.now(), 1, id, List.of("http://img/1.png"), 42);

    publish(id, new GenerationStarted(UUID.randomUUID(), Instant.now(), 1, id, null, null, null));
    publish(id, succeeded);
    publish(id, succeeded);
    publish(
        id,
        new GenerationSucceeded(
            UUID.randomUUID(), Instant.now(), 1, id, List.of("http://img/2.png"), 43));

    await().atMost(Duration.ofSeconds(20)).until(() -> "completed".equals(status(user, id)));
    try (KafkaProbe settled = new KafkaProbe(Topics.SETTLED)) {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> settled.withKey(id.toString()).size() == 1);
      // Everything after the first is a duplicate: give the consumer time to (not) apply them.
      await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> true);
      assertThat(settled.withKey(id.toString())).hasSize(1);
      assertThat(settled.withKey(id.toString()).getFirst().value())
          .contains("http://img/1.png")
          .contains("\"status\":\"COMPLETED\"");
    }
    assertThat(settlements(id, "CAPTURE")).isEqualTo(1);
    assertThat(settlements(id, "RELEASE")).isZero();
    assertThat(json(get("/api/generation/" + id, user)).path("started_at").isNull()).isFalse();
    assertThat(
            jdbc.sql(
                    "SELECT status FROM generation_status_history WHERE generation_id = :g ORDER BY id")
                .param("g", id)
                .query(String.class)
                .list())
        .containsExactly("pending", "processing", "completed");
    assertLedgerReconciles(user);

    // The kept results are served for the retention (30 days) after the generation completed.
    JsonNode fresh = json(get("/api/generation/" + id, user));
    assertThat(fresh.path("results_expired").asBoolean()).isFalse();
    assertThat(Instant.parse(fresh.path("results_expire_at").asString()))
        .isEqualTo(Instant.parse(fresh.path("finished_at").asString()).plus(Duration.ofDays(30)));
    assertThat(fresh.path("result_urls")).hasSize(1);
    jdbc.sql(
            "UPDATE generations SET finished_at = finished_at - interval '30 days 1 minute' WHERE id = :id")
        .param("id", id)
        .update();
    JsonNode expired = json(get("/api/generation/" + id, user));
    assertThat(expired.path("results_expired").asBoolean()).isTrue();
    assertThat(expired.path("result_urls")).isEmpty();
  }

  @Test
  void the_route_and_cost_of_a_success_are_recorded_and_set_against_revenue_in_the_stats()
      throws Exception {
    long user = newUserId();
    grant(user, 100);
    UUID id = startOne(user, "kling-video");
    publish(
        id,
        new GenerationStarted(
            UUID.randomUUID(), Instant.now(), 4, id, "vid-routed", null, UUID.randomUUID(), "b"));
    publish(
        id,
        new GenerationSucceeded(
            UUID.randomUUID(),
            Instant.now(),
            2,
            id,
            List.of("http://video/1.mp4"),
            42,
            null,
            new java.math.BigDecimal("0.250000")));
    await().atMost(Duration.ofSeconds(20)).until(() -> "completed".equals(status(user, id)));

    var row =
        jdbc.sql("SELECT provider_route, provider_cost, price FROM generations WHERE id = :id")
            .param("id", id)
            .query()
            .singleRow();
    assertThat(row.get("provider_route"))
        .as("kept from the task's GenerationStarted")
        .isEqualTo("b");
    assertThat((java.math.BigDecimal) row.get("provider_cost")).isEqualByComparingTo("0.25");

    JsonNode day =
        json(admin(
                "GET",
                "/api/admin/stats?from=" + Instant.now().minus(Duration.ofHours(1)),
                null,
                null))
            .path("days")
            .valueStream()
            .filter(d -> d.path("model_id").asString().equals("kling-video"))
            .reduce((first, second) -> second)
            .orElseThrow();
    var expected =
        jdbc.sql(
                """
                SELECT coalesce(sum(price), 0) AS captured, coalesce(sum(provider_cost), 0) AS cost,
                       coalesce(sum(provider_cost) FILTER (WHERE provider_route = 'b'), 0) AS on_b
                FROM generations
                WHERE model_id = 'kling-video' AND status = 'completed'
                  AND finished_at >= now() - interval '1 hour'
                  AND (finished_at AT TIME ZONE 'UTC')::date = (now() AT TIME ZONE 'UTC')::date
                """)
            .query()
            .singleRow();
    assertThat(day.path("credits_captured").asLong())
        .isEqualTo(((Number) expected.get("captured")).longValue());
    assertThat(day.path("provider_cost").decimalValue())
        .isEqualByComparingTo((java.math.BigDecimal) expected.get("cost"));
    assertThat(day.path("cost_by_route").path("b").decimalValue())
        .isEqualByComparingTo((java.math.BigDecimal) expected.get("on_b"))
        .isGreaterThanOrEqualTo(new java.math.BigDecimal("0.25"));
  }

  @Test
  void fewer_results_than_paid_for_capture_the_price_of_those_delivered_and_release_the_rest()
      throws Exception {
    long user = newUserId();
    grant(user, 100);
    JsonNode started =
        json(
            post(
                "/api/generation/start",
                user,
                Map.of(
                    "model_id",
                    "flux-schnell",
                    "prompt",
                    "four " + user,
                    "params",
                    Map.of("num_images", 4)),
                Map.of()));
    UUID id = UUID.fromString(started.path("generation_id").asString());
    long price = started.path("price").asLong();
    assertThat(price % 4).as("a price per image").isZero();

    publish(id, new GenerationStarted(UUID.randomUUID(), Instant.now(), 1, id, null, null, null));
    publish(
        id,
        new GenerationSucceeded(
            UUID.randomUUID(),
            Instant.now(),
            1,
            id,
            List.of("http://img/a.png", "http://img/b.png"),
            42));

    await().atMost(Duration.ofSeconds(20)).until(() -> "completed".equals(status(user, id)));
    assertThat(ledgerSum(id, "CAPTURE")).isEqualTo(price / 2);
    assertThat(ledgerSum(id, "RELEASE")).isEqualTo(price / 2);
    JsonNode me = json(get("/api/me", user));
    assertThat(me.path("credits_available").asLong()).isEqualTo(100 - price / 2);
    assertThat(me.path("credits_held").asLong()).isZero();
    assertLedgerReconciles(user);
  }

  private long ledgerSum(UUID id, String kind) {
    return jdbc.sql(
            "SELECT COALESCE(sum(amount), 0) FROM ledger WHERE generation_id = :g AND kind = :k")
        .param("g", id)
        .param("k", kind)
        .query(Long.class)
        .single();
  }

  @Test
  void a_failure_releases_the_hold() throws Exception {
    assertFailureReleasesTheHoldAndReads("PROVIDER_REJECTED", "PROVIDER_REJECTED");
  }

  @Test
  void a_failure_code_this_release_does_not_know_still_releases_the_hold_and_reads_unknown()
      throws Exception {
    assertFailureReleasesTheHoldAndReads("PROVIDER_NEW_KIND", "UNKNOWN");
  }

  private void assertFailureReleasesTheHoldAndReads(String sent, String shown) throws Exception {
    long user = newUserId();
    grant(user, 10);
    UUID id = startOne(user, "flux-pro");

    publish(id, new GenerationFailed(UUID.randomUUID(), Instant.now(), 1, id, sent, "nope"));

    await().atMost(Duration.ofSeconds(20)).until(() -> "failed".equals(status(user, id)));
    assertThat(settlements(id, "RELEASE")).isEqualTo(1);
    assertThat(json(get("/api/me", user)).path("credits_available").asLong()).isEqualTo(10);
    assertThat(json(get("/api/generation/" + id, user)).path("error").path("code").asString())
        .isEqualTo(shown);
    assertLedgerReconciles(user);
  }

  @Test
  void a_late_outcome_after_a_cancel_is_ignored() throws Exception {
    long user = newUserId();
    grant(user, 10);
    UUID id = startOne(user, "flux-pro");
    assertThat(post("/api/generation/" + id + "/cancel", user, "", Map.of()).statusCode())
        .isEqualTo(200);
    UUID marker = startOne(user, "flux-schnell");

    publish(
        id,
        new GenerationSucceeded(
            UUID.randomUUID(), Instant.now(), 1, id, List.of("http://late.png"), 1));
    publish(
        marker,
        new GenerationFailed(
            UUID.randomUUID(), Instant.now(), 1, marker, "PROVIDER_REJECTED", "x"));

    await().atMost(Duration.ofSeconds(20)).until(() -> "failed".equals(status(user, marker)));
    await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> true);
    assertThat(status(user, id)).isEqualTo("cancelled");
    assertThat(settlements(id, "CAPTURE")).isZero();
    assertThat(settlements(id, "RELEASE")).isEqualTo(1);
    assertLedgerReconciles(user);
  }

  @Test
  void a_malformed_record_goes_to_the_dead_letter_topic_and_the_partition_moves_on()
      throws Exception {
    long user = newUserId();
    grant(user, 10);
    UUID id = startOne(user, "flux-pro");

    publish(id, "GenerationSucceeded", "{this is not json");
    publish(id, "SomethingElse", "{}");
    publish(
        id,
        new GenerationSucceeded(
            UUID.randomUUID(), Instant.now(), 1, id, List.of("http://ok.png"), 5));

    await().atMost(Duration.ofSeconds(20)).until(() -> "completed".equals(status(user, id)));
    try (KafkaProbe dlt = new KafkaProbe(Topics.OUTCOMES + Topics.DLT_SUFFIX)) {
      await().atMost(Duration.ofSeconds(20)).until(() -> dlt.withKey(id.toString()).size() == 2);
    }
    assertLedgerReconciles(user);
  }
}

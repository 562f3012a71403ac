package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.model.GenerationHandedBack;
import dev.nanogen.model.GenerationStarted;
import dev.nanogen.model.ModelAvailabilityChanged;
import dev.nanogen.model.Topics;
import dev.nanogen.testkit.KafkaProbe;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the workers tell the gateway besides outcomes: a stopping worker's hand-back (dispatched
 * again at once, as a resume), a model's circuit opening and closing (503 MODEL_UNAVAILABLE in
 * between), and inline results stored in the file store (served at /files/{id}).
 */
class WorkerSignalsTest extends IntegrationTest {
  @Autowired JsonMapper json;

  @Test
  void a_handed_back_video_is_dispatched_again_at_once_with_its_task_id() throws Exception {
    long user = newUserId();
    grant(user, 100);
    UUID id =
        UUID.fromString(
            json(start(user, "kling-video", "handed back " + UUID.randomUUID()))
                .path("generation_id")
                .asString());
    try (KafkaProbe requests = new KafkaProbe(Topics.REQUESTS)) {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> requests.withKey(id.toString()).size() == 1);
      publish(
          Topics.OUTCOMES,
          id.toString(),
          new GenerationStarted(UUID.randomUUID(), Instant.now(), 1, id, null, null, null));
      publish(
          Topics.OUTCOMES,
          id.toString(),
          new GenerationHandedBack(
              UUID.randomUUID(), Instant.now(), 1, id, "vid-task-7", "worker stopping"));

      List<ConsumerRecord<String, String>> dispatched =
          await()
              .atMost(Duration.ofSeconds(20))
              .until(() -> requests.withKey(id.toString()), list -> list.size() == 2);
      JsonNode resume = json.readTree(dispatched.get(1).value());
      assertThat(resume.path("provider_task_id").asString()).isEqualTo("vid-task-7");
      assertThat(resume.path("generation_id").asString()).isEqualTo(id.toString());
    }
    assertThat(json(get("/api/generation/" + id, user)).path("status").asString())
        .isEqualTo("processing");
    assertThat(
            jdbc.sql("SELECT provider_task_id FROM generations WHERE id = :id")
                .param("id", id)
                .query(String.class)
                .single())
        .isEqualTo("vid-task-7");
  }

  @Test
  void a_hand_back_after_the_end_dispatches_nothing() throws Exception {
    long user = newUserId();
    grant(user, 100);
    UUID id =
        UUID.fromString(
            json(start(user, "kling-video", "ended " + UUID.randomUUID()))
                .path("generation_id")
                .asString());
    assertThat(post("/api/generation/" + id + "/cancel", user, Map.of(), Map.of()).statusCode())
        .isEqualTo(200);
    try (KafkaProbe requests = new KafkaProbe(Topics.REQUESTS)) {
      UUID eventId = UUID.randomUUID();
      publish(
          Topics.OUTCOMES,
          id.toString(),
          new GenerationHandedBack(eventId, Instant.now(), 1, id, "vid-late", "worker stopping"));
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  jdbc.sql("SELECT count(*) FROM processed_events WHERE event_id = :e")
                          .param("e", eventId)
                          .query(Long.class)
                          .single()
                      == 1);
      await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> true);
      assertThat(requests.withKey(id.toString())).as("the first dispatch only").hasSize(1);
    }
    assertThat(
            jdbc.sql("SELECT provider_task_id FROM generations WHERE id = :id")
                .param("id", id)
                .query(String.class)
                .optional())
        .as("an ended generation is not touched")
        .isEmpty();
  }

  @Test
  void an_open_circuit_makes_new_starts_of_that_model_answer_503_until_it_closes()
      throws Exception {
    long user = newUserId();
    grant(user, 100);
    Instant opened = clock.instant();
    publish(
        Topics.MODELS,
        "dall-e-3",
        new ModelAvailabilityChanged(
            UUID.randomUUID(),
            opened,
            1,
            "dall-e-3",
            false,
            opened.plusSeconds(300),
            "circuit open"));

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !modelView("dall-e-3").path("available").asBoolean());
    HttpResponse<String> refused = start(user, "dall-e-3", "while down");
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(json(refused).path("code").asString()).isEqualTo("MODEL_UNAVAILABLE");
    assertThat(start(user, "flux-schnell", "another model").statusCode()).isEqualTo(202);
    assertThat(json(get("/api/me", user)).path("credits_held").asLong())
        .as("the refused start held nothing")
        .isEqualTo(1);

    // An older event arriving late changes nothing; the closing one does.
    publish(
        Topics.MODELS,
        "dall-e-3",
        new ModelAvailabilityChanged(
            UUID.randomUUID(), opened.minusSeconds(5), 1, "dall-e-3", true, null, "stale"));
    publish(
        Topics.MODELS,
        "dall-e-3",
        new ModelAvailabilityChanged(
            UUID.randomUUID(), opened.plusSeconds(1), 1, "dall-e-3", true, null, "circuit closed"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> modelView("dall-e-3").path("available").asBoolean());
    assertThat(start(user, "dall-e-3", "after recovery").statusCode()).isEqualTo(202);
  }

  @Test
  void an_unavailability_ends_by_itself_at_its_until() throws Exception {
    Instant at = clock.instant();
    publish(
        Topics.MODELS,
        "veo-3",
        new ModelAvailabilityChanged(
            UUID.randomUUID(), at, 1, "veo-3", false, at.plusSeconds(30), "circuit open"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !modelView("veo-3").path("available").asBoolean());

    clock.advance(Duration.ofSeconds(31));
    try {
      assertThat(modelView("veo-3").path("available").asBoolean()).isTrue();
    } finally {
      clock.reset();
    }
  }

  @Test
  void a_kept_result_is_served_from_the_file_store_without_init_data_and_by_ranges()
      throws Exception {
    createFilesSchema();
    UUID fileId = UUID.randomUUID();
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 1, 2, 3};
    jdbc.sql(
            "INSERT INTO files.result_files (id, generation_id, content_type, size, content) VALUES (:id, :g, 'image/png', 11, :c)")
        .param("id", fileId)
        .param("g", UUID.randomUUID())
        .param("c", png)
        .update();

    HttpResponse<byte[]> found =
        http.send(
            HttpRequest.newBuilder(uri("/files/" + fileId + ".png")).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<byte[]> unknown =
        http.send(
            HttpRequest.newBuilder(uri("/files/" + UUID.randomUUID() + ".png")).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<byte[]> garbage =
        http.send(
            HttpRequest.newBuilder(uri("/files/..%2Fetc")).build(),
            HttpResponse.BodyHandlers.ofByteArray());

    assertThat(found.statusCode()).isEqualTo(200);
    assertThat(found.headers().firstValue("Content-Type")).hasValue("image/png");
    assertThat(found.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(found.headers().firstValue("Content-Security-Policy").orElse(""))
        .contains("default-src 'none'");
    assertThat(found.headers().firstValue("Content-Disposition").orElse("")).startsWith("inline");
    assertThat(found.body()).isEqualTo(png);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(garbage.statusCode()).isIn(400, 404);

    // Larger than one streamed slice, and of a type a browser could run: an attachment, as bytes.
    byte[] large = new byte[600_000];
    new java.util.Random(7).nextBytes(large);
    large[0] = '<';
    UUID htmlId = UUID.randomUUID();
    jdbc.sql(
            "INSERT INTO files.result_files (id, generation_id, content_type, size, content) VALUES (:id, :g, 'text/html', 600000, :c)")
        .param("id", htmlId)
        .param("g", UUID.randomUUID())
        .param("c", large)
        .update();
    HttpResponse<byte[]> html =
        http.send(
            HttpRequest.newBuilder(uri("/files/" + htmlId)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(html.statusCode()).isEqualTo(200);
    assertThat(html.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
    assertThat(html.headers().firstValue("Content-Disposition").orElse(""))
        .startsWith("attachment");
    assertThat(html.headers().firstValue("Content-Length")).hasValue("600000");
    assertThat(html.body()).isEqualTo(large);

    // A video player seeks: one range is answered 206 with that part, across slice boundaries.
    HttpResponse<byte[]> part =
        http.send(
            HttpRequest.newBuilder(uri("/files/" + htmlId))
                .header("Range", "bytes=262000-262999")
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 262000-262999/600000");
    assertThat(part.headers().firstValue("Content-Length")).hasValue("1000");
    assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(large, 262000, 263000));
    HttpResponse<byte[]> tail =
        http.send(
            HttpRequest.newBuilder(uri("/files/" + htmlId)).header("Range", "bytes=-10").build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(tail.statusCode()).isEqualTo(206);
    assertThat(tail.body()).isEqualTo(java.util.Arrays.copyOfRange(large, 599990, 600000));
    HttpResponse<byte[]> past =
        http.send(
            HttpRequest.newBuilder(uri("/files/" + htmlId))
                .header("Range", "bytes=600000-")
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(past.statusCode()).isEqualTo(416);
    assertThat(past.headers().firstValue("Content-Range")).hasValue("bytes */600000");
    assertThat(found.headers().firstValue("Accept-Ranges")).hasValue("bytes");
  }

  private JsonNode modelView(String id) {
    HttpResponse<String> models = send(HttpRequest.newBuilder(uri("/api/models")).build());
    for (JsonNode model : json(models).path("items")) {
      if (model.path("id").asString().equals(id)) {
        return model;
      }
    }
    throw new AssertionError("no model " + id);
  }
}

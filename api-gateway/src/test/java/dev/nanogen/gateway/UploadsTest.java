package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.gateway.uploads.TestImages;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Uploads over real HTTP (multipart) into the real database, and starts that name them: every
 * refusal changes nothing, and what the provider is handed is a signed URL only it can use.
 */
class UploadsTest extends IntegrationTest {
  @Autowired dev.nanogen.gateway.uploads.Uploads uploads;
  @Autowired dev.nanogen.gateway.generation.Dispatch dispatch;
  @Autowired org.springframework.transaction.support.TransactionTemplate tx;

  @BeforeEach
  void filesSchema() throws Exception {
    createFilesSchema();
  }

  @AfterEach
  void clockBack() {
    clock.reset();
  }

  static final String BOUNDARY = "----nanogen-test-boundary";

  HttpResponse<String> upload(long user, String filename, String declaredType, byte[] content) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(
        ("--"
                + BOUNDARY
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + filename
                + "\"\r\nContent-Type: "
                + declaredType
                + "\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    body.writeBytes(content);
    body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return send(
        HttpRequest.newBuilder(uri("/api/uploads"))
            .header("Authorization", "tma " + initData(user))
            .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
            .build());
  }

  UUID uploaded(long user, byte[] image) {
    HttpResponse<String> answer = upload(user, "photo.jpg", "image/jpeg", image);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
    return UUID.fromString(json(answer).path("upload_id").asString());
  }

  long rows(long user) {
    return jdbc.sql("SELECT count(*) FROM uploads WHERE user_id = :u")
        .param("u", user)
        .query(Long.class)
        .single();
  }

  long files() {
    return jdbc.sql("SELECT count(*) FROM files.result_files WHERE kind = 'upload'")
        .query(Long.class)
        .single();
  }

  @Test
  void aPhotoIsKeptWithoutItsLocationAndListedNewestFirst() {
    long user = newUserId();
    HttpResponse<String> answer =
        upload(user, "IMG_0001.JPG", "image/jpeg", TestImages.jpegWithLocation(64, 48));

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
    JsonNode view = json(answer);
    assertThat(view.path("content_type").asString()).isEqualTo("image/jpeg");
    assertThat(view.path("width").asInt()).isEqualTo(64);
    assertThat(view.path("height").asInt()).isEqualTo(48);
    assertThat(view.path("source").asString()).isEqualTo("app");
    assertThat(
            Duration.between(
                java.time.Instant.parse(view.path("created_at").asString()),
                java.time.Instant.parse(view.path("expires_at").asString())))
        .isEqualTo(Duration.ofDays(7));
    UUID first = UUID.fromString(view.path("upload_id").asString());
    byte[] kept = keptUploadBytes(first);
    assertThat(view.path("bytes").asLong()).isEqualTo(kept.length);
    assertThat(TestImages.contains(kept, TestImages.latitudeBytes())).isFalse();

    UUID second = uploaded(user, TestImages.png(8, 8));
    UUID third = uploaded(user, TestImages.WEBP);
    JsonNode page = json(get("/api/uploads?limit=2", user));
    assertThat(page.path("items").findValuesAsString("upload_id"))
        .containsExactly(third.toString(), second.toString());
    JsonNode rest =
        json(get("/api/uploads?limit=2&cursor=" + page.path("next_cursor").asString(), user));
    assertThat(rest.path("items").findValuesAsString("upload_id"))
        .containsExactly(first.toString());
    assertThat(rest.path("next_cursor").isNull()).isTrue();
    // Nobody else sees them.
    assertThat(json(get("/api/uploads", newUserId())).path("items").size()).isZero();
  }

  @Test
  void whatIsNotAnAcceptedImageIsRefusedAndNothingIsKept() {
    long user = newUserId();
    long filesBefore = files();
    assertRefused(
        upload(user, "cat.png", "image/png", "<html><script>alert(1)</script>".getBytes()),
        415,
        "UNSUPPORTED_MEDIA_TYPE");
    assertRefused(
        upload(user, "cat.gif", "image/gif", TestImages.gif(4, 4)), 415, "UNSUPPORTED_MEDIA_TYPE");
    assertRefused(
        upload(user, "bomb.png", "image/png", TestImages.pngClaiming(50_000, 50_000)),
        413,
        "PAYLOAD_TOO_LARGE");
    // Over the cap the tests run with (2 MB): refused by its declared length, before it is read.
    byte[] huge = new byte[2 * 1024 * 1024 + 1];
    System.arraycopy(TestImages.png(2, 2), 0, huge, 0, 8);
    assertRefused(upload(user, "huge.png", "image/png", huge), 413, "PAYLOAD_TOO_LARGE");
    assertRefused(
        upload(user, "cut.jpg", "image/jpeg", java.util.Arrays.copyOf(TestImages.jpeg(8, 8), 40)),
        400,
        "VALIDATION_ERROR");
    HttpResponse<String> noPart =
        send(
            HttpRequest.newBuilder(uri("/api/uploads"))
                .header("Authorization", "tma " + initData(user))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "--"
                            + BOUNDARY
                            + "\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--"
                            + BOUNDARY
                            + "--\r\n"))
                .build());
    assertRefused(noPart, 400, "VALIDATION_ERROR");
    assertThat(json(noPart).path("errors").get(0).path("field").asString()).isEqualTo("file");
    // Not signed in: nothing is read.
    HttpResponse<String> anonymous =
        send(
            HttpRequest.newBuilder(uri("/api/uploads"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofString("--" + BOUNDARY + "--\r\n"))
                .build());
    assertThat(anonymous.statusCode()).isEqualTo(401);

    assertThat(rows(user)).isZero();
    assertThat(files()).isEqualTo(filesBefore);
  }

  @Test
  void fiftyUploadsADayHoldUnderConcurrentUploads() {
    long user = newUserId();
    byte[] image = TestImages.png(4, 4);
    List<Integer> statuses =
        Concurrently.run(60, i -> upload(user, "p" + i + ".png", "image/png", image).statusCode());

    assertThat(statuses.stream().filter(s -> s == 201).count()).isEqualTo(50);
    assertThat(statuses.stream().filter(s -> s == 429).count()).isEqualTo(10);
    assertThat(rows(user)).isEqualTo(50);
    // Deleting does not give the day's slots back.
    String any =
        json(get("/api/uploads?limit=1", user)).path("items").get(0).path("upload_id").asString();
    assertThat(send(delete("/api/uploads/" + any, user)).statusCode()).isEqualTo(204);
    HttpResponse<String> again = upload(user, "again.png", "image/png", image);
    assertRefused(again, 429, "RATE_LIMIT_EXCEEDED");
    assertThat(json(again).path("limit").asInt()).isEqualTo(50);
    assertThat(again.headers().firstValue("Retry-After")).isPresent();
    // A day later the window has moved on.
    jdbc.sql(
            "UPDATE uploads SET created_at = created_at - interval '1 day 1 second' WHERE user_id = :u")
        .param("u", user)
        .update();
    assertThat(upload(user, "next.png", "image/png", image).statusCode()).isEqualTo(201);
  }

  @Test
  void aDeletedUploadLeavesTheListAndOnlyItsOwnerCanDeleteIt() {
    long owner = newUserId();
    long other = newUserId();
    UUID id = uploaded(owner, TestImages.png(4, 4));

    assertRefused(send(delete("/api/uploads/" + id, other)), 404, "UPLOAD_NOT_FOUND");
    assertThat(json(get("/api/uploads", owner)).path("items").size()).isEqualTo(1);
    assertThat(send(delete("/api/uploads/" + id, owner)).statusCode()).isEqualTo(204);
    assertThat(json(get("/api/uploads", owner)).path("items").size()).isZero();
    assertRefused(send(delete("/api/uploads/" + id, owner)), 404, "UPLOAD_NOT_FOUND");
    assertRefused(send(delete("/api/uploads/not-a-uuid", owner)), 400, "VALIDATION_ERROR");
  }

  // --- Starts with inputs.

  HttpResponse<String> startWith(long user, String model, List<?> inputs) {
    return startWith(user, model, inputs, Map.of());
  }

  long generations(long user) {
    return jdbc.sql("SELECT count(*) FROM generations WHERE user_id = :u")
        .param("u", user)
        .query(Long.class)
        .single();
  }

  JsonNode requestOf(String generationId) {
    return JSON.readTree(
        jdbc.sql(
                "SELECT payload FROM outbox WHERE message_key = :k AND event_type = 'GenerationRequested' ORDER BY id LIMIT 1")
            .param("k", generationId)
            .query(String.class)
            .single());
  }

  @Test
  void anEditIsPricedByItsInputsAndItsProviderGetsSignedUrlsOnlyItCanUse() {
    long user = newUserId();
    grant(user, 100);
    byte[] photo = TestImages.jpegWithLocation(32, 32);
    UUID a = uploaded(user, photo);
    UUID b = uploaded(user, TestImages.png(8, 8));
    UUID c = uploaded(user, TestImages.WEBP);

    HttpResponse<String> started = startWith(user, "nano-banana-edit", List.of(a, b, c));

    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    // 3 credits include one photo; two more at 1 each.
    assertThat(json(started).path("price").asLong()).isEqualTo(5);
    String id = json(started).path("generation_id").asString();
    assertThat(
            json(get("/api/generation/" + id, user))
                .path("input_ids")
                .valueStream()
                .map(JsonNode::asString)
                .toList())
        .containsExactly(a.toString(), b.toString(), c.toString());
    JsonNode params = requestOf(id).path("params");
    List<String> urls = params.path("image_urls").valueStream().map(JsonNode::asString).toList();
    assertThat(urls).hasSize(3);
    assertThat(urls.get(0)).startsWith("http://127.0.0.1:8080/files/inputs/" + a + ".jpg?expires=");

    // The provider's fetch: the kept (located-free) bytes.
    HttpResponse<byte[]> fetched = fetch(local(urls.get(0)));
    assertThat(fetched.statusCode()).isEqualTo(200);
    assertThat(fetched.headers().firstValue("Content-Type")).hasValue("image/jpeg");
    assertThat(fetched.body()).isEqualTo(keptUploadBytes(a));
    assertThat(fetched.headers().firstValue("Cache-Control").orElse("")).contains("no-store");
    // Another upload's id under the same signature, a changed expiry, no signature: not found.
    assertThat(fetch(local(urls.get(0)).replace(a.toString(), b.toString())).statusCode())
        .isEqualTo(404);
    assertThat(fetch(local(urls.get(0)).replaceFirst("expires=(\\d+)", "expires=9$1")).statusCode())
        .isEqualTo(404);
    assertThat(fetch(local(urls.get(0)).replaceFirst("\\?.*", "")).statusCode()).isEqualTo(404);
    // An upload is never served as a result.
    UUID fileId =
        jdbc.sql("SELECT file_id FROM uploads WHERE id = :id")
            .param("id", a)
            .query(UUID.class)
            .single();
    assertThat(fetch("/files/" + fileId + ".jpg").statusCode()).isEqualTo(404);
    // After the generation's deadline the URL stops working.
    clock.advance(Duration.ofMinutes(10));
    assertThat(fetch(local(urls.get(0))).statusCode()).isEqualTo(404);
  }

  @Test
  void photoToVideoSendsOneUrlAndADispatchAgainSendsTheSameInputs() {
    long user = newUserId();
    grant(user, 100);
    UUID photo = uploaded(user, TestImages.jpeg(16, 16));

    HttpResponse<String> started = startWith(user, "kling-photo-video", List.of(photo));

    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    String id = json(started).path("generation_id").asString();
    String url = requestOf(id).path("params").path("image_url").asString();
    assertThat(url).contains("/files/inputs/" + photo + ".jpg?expires=");
    // The sweeper's re-dispatch builds its request from the database: the same URL.
    jdbc.sql(
            "UPDATE generations SET dispatched_at = dispatched_at - interval '1 hour' WHERE id = CAST(:id AS uuid)")
        .param("id", id)
        .update();
    tx.executeWithoutResult(
        status -> dispatch.againIfPending(UUID.fromString(id), java.time.Instant.now(), null));
    List<String> payloads =
        jdbc.sql(
                "SELECT payload FROM outbox WHERE message_key = :k AND event_type = 'GenerationRequested' ORDER BY id")
            .param("k", id)
            .query(String.class)
            .list();
    assertThat(payloads).hasSize(2);
    assertThat(JSON.readTree(payloads.get(1)).path("params").path("image_url").asString())
        .isEqualTo(url);
  }

  @Test
  void aStartNamingAnUploadItMayNotUseHoldsNothing() {
    long user = newUserId();
    long other = newUserId();
    grant(user, 100);
    UUID others = uploaded(other, TestImages.png(4, 4));
    UUID deleted = uploaded(user, TestImages.png(4, 4));
    send(delete("/api/uploads/" + deleted, user));
    UUID mine = uploaded(user, TestImages.png(4, 4));

    assertRefused(startWith(user, "nano-banana-edit", List.of(others)), 404, "UPLOAD_NOT_FOUND");
    assertRefused(
        startWith(user, "nano-banana-edit", List.of(mine, deleted)), 404, "UPLOAD_NOT_FOUND");
    assertRefused(
        startWith(user, "nano-banana-edit", List.of(UUID.randomUUID())), 404, "UPLOAD_NOT_FOUND");
    assertRefused(startWith(user, "nano-banana-edit", List.of()), 400, "VALIDATION_ERROR");
    assertRefused(
        startWith(user, "nano-banana-edit", List.of(mine, mine)), 400, "VALIDATION_ERROR");
    List<UUID> five = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      five.add(uploaded(user, TestImages.png(4, 4)));
    }
    assertRefused(startWith(user, "nano-banana-edit", five), 400, "VALIDATION_ERROR");
    assertRefused(
        startWith(user, "kling-photo-video", five.subList(0, 2)), 400, "VALIDATION_ERROR");
    assertRefused(startWith(user, "flux-schnell", List.of(mine)), 400, "VALIDATION_ERROR");
    assertRefused(
        startWith(user, "nano-banana-edit", List.of("not-a-uuid")), 400, "VALIDATION_ERROR");
    // A URL of the user's choosing never reaches the provider: the input fields are not params.
    assertRefused(
        startWith(
            user,
            "nano-banana-edit",
            List.of(mine),
            Map.of("image_urls", List.of("https://attacker.example/other-persons-photo.jpg"))),
        400,
        "VALIDATION_ERROR");
    assertRefused(
        startWith(
            user,
            "kling-photo-video",
            List.of(mine),
            Map.of("image_url", "https://attacker.example/a.jpg")),
        400,
        "VALIDATION_ERROR");
    // Expired.
    expire(mine);
    assertRefused(startWith(user, "nano-banana-edit", List.of(mine)), 404, "UPLOAD_NOT_FOUND");

    assertThat(generations(user)).isZero();
    assertThat(json(get("/api/me", user)).path("credits_available").asLong()).isEqualTo(100);
    assertLedgerReconciles(user);
  }

  @Test
  void aDeletedUploadStillServesItsRunningGenerationAndGoesOnceItEnds() {
    long user = newUserId();
    grant(user, 100);
    UUID photo = uploaded(user, TestImages.jpeg(16, 16));
    String id =
        json(startWith(user, "nano-banana-edit", List.of(photo))).path("generation_id").asString();
    String url = local(requestOf(id).path("params").path("image_urls").get(0).asString());

    assertThat(send(delete("/api/uploads/" + photo, user)).statusCode()).isEqualTo(204);
    uploads.housekeeping();
    assertThat(fetch(url).statusCode()).isEqualTo(200);

    assertThat(post("/api/generation/" + id + "/cancel", user, "", Map.of()).statusCode())
        .isEqualTo(200);
    uploads.housekeeping();
    assertThat(fetch(url).statusCode()).isEqualTo(404);
    assertThat(
            jdbc.sql("SELECT file_id FROM uploads WHERE id = :id")
                .param("id", photo)
                .query(UUID.class)
                .optional()
                .orElse(null))
        .isNull();
    // Its row stays until it expires (the day's count keeps it), then goes.
    assertThat(rows(user)).isEqualTo(1);
    expire(photo);
    uploads.housekeeping();
    assertThat(rows(user)).isZero();
  }

  void expire(UUID upload) {
    jdbc.sql("UPDATE uploads SET expires_at = now() - interval '1 second' WHERE id = :id")
        .param("id", upload)
        .update();
  }

  /** A URL under the public base as this test's gateway serves it. */
  String local(String url) {
    return url.replace("http://127.0.0.1:8080", "");
  }

  HttpResponse<byte[]> fetch(String path) {
    try {
      return http.send(
          HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  HttpRequest delete(String path, long user) {
    return HttpRequest.newBuilder(uri(path))
        .header("Authorization", "tma " + initData(user))
        .DELETE()
        .build();
  }

  static void assertRefused(HttpResponse<String> answer, int status, String code) {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
    assertThat(answer.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(json(answer).path("code").asString()).isEqualTo(code);
  }
}

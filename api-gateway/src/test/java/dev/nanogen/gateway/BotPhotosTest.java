package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.gateway.uploads.TestImages;
import dev.nanogen.testkit.TelegramStub;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Photos sent to the bot, through the real webhook, the Bot API stand-in's getFile and file
 * download, and the database: one upload per update, one generation per edit button however often
 * it is pressed, and every refusal answered in the API's words.
 */
class BotPhotosTest extends IntegrationTest {
  @BeforeEach
  void filesSchema() throws Exception {
    createFilesSchema();
    TELEGRAM.webhook(uri("/telegram/webhook").toString(), WEBHOOK_SECRET);
  }

  long uploads(long user) {
    return jdbc.sql("SELECT count(*) FROM uploads WHERE user_id = :u AND source = 'bot'")
        .param("u", user)
        .query(Long.class)
        .single();
  }

  long generations(long user) {
    return jdbc.sql("SELECT count(*) FROM generations WHERE user_id = :u")
        .param("u", user)
        .query(Long.class)
        .single();
  }

  /** The last message the webhook answered {@code user} with, as the stub carried it out. */
  TelegramStub.Message lastReply(long user) {
    List<TelegramStub.Message> sent = TELEGRAM.messagesTo(user);
    return sent.getLast();
  }

  String editButton(TelegramStub.Message reply) {
    JsonNode keyboard = JSON.readTree(String.valueOf(reply.fields().get("reply_markup")));
    return keyboard.path("inline_keyboard").get(0).get(0).path("callback_data").asString();
  }

  @Test
  void aCaptionedPhotoIsKeptOnceAndItsButtonStartsOneEditHoweverOftenPressed() throws Exception {
    long user = newUserId();
    grant(user, 50);
    String file = TELEGRAM.addFile(TestImages.jpegWithLocation(40, 30));
    Map<String, Object> photo =
        TelegramStub.photo(TELEGRAM.nextUpdateId(), user, "ru", file, 5000, "сделай картиной");

    assertThat(TELEGRAM.deliver(photo)).isEqualTo(200);
    assertThat(TELEGRAM.deliver(photo)).isEqualTo(200); // Telegram repeats the update

    assertThat(uploads(user)).isEqualTo(1);
    assertThat(TELEGRAM.messagesTo(user)).hasSize(1);
    TelegramStub.Message reply = lastReply(user);
    assertThat(String.valueOf(reply.fields().get("text")))
        .contains("сделай картиной")
        .contains("3");
    String data = editButton(reply);
    assertThat(data).startsWith("edit:");
    // The kept photo lost its location on the way in, as a Mini App upload does.
    byte[] kept = keptUploadBytes(java.util.UUID.fromString(data.substring("edit:".length())));
    assertThat(TestImages.contains(kept, TestImages.latitudeBytes())).isFalse();

    // Pressed three times, one of them delivered twice.
    Map<String, Object> press =
        TelegramStub.callback(TELEGRAM.nextUpdateId(), user, "ru", "q1", data);
    for (Map<String, Object> update :
        List.of(
            press,
            press,
            TelegramStub.callback(TELEGRAM.nextUpdateId(), user, "ru", "q2", data),
            TelegramStub.callback(TELEGRAM.nextUpdateId(), user, "ru", "q3", data))) {
      assertThat(TELEGRAM.deliver(update)).isEqualTo(200);
    }

    assertThat(generations(user)).isEqualTo(1);
    // A day later the key is purged; the photo is still known as used.
    jdbc.sql("DELETE FROM idempotency_keys WHERE user_id = :u").param("u", user).update();
    TELEGRAM.deliver(TelegramStub.callback(TELEGRAM.nextUpdateId(), user, "ru", "q4", data));
    assertThat(generations(user)).isEqualTo(1);
    JsonNode me = json(get("/api/me", user));
    assertThat(me.path("credits_held").asLong()).isEqualTo(3);
    assertThat(me.path("credits_available").asLong()).isEqualTo(47);
    List<String> answers =
        TELEGRAM.callbackAnswers().stream()
            .filter(a -> List.of("q1", "q2", "q3", "q4").contains(a.queryId()))
            .map(TelegramStub.CallbackAnswer::text)
            .toList();
    assertThat(answers).hasSize(5);
    assertThat(answers.getFirst()).contains("Запущено").contains("3");
    assertThat(answers.subList(1, 5)).allMatch(text -> text.contains("уже запущено"));
    String generation =
        jdbc.sql("SELECT id::text FROM generations WHERE user_id = :u")
            .param("u", user)
            .query(String.class)
            .single();
    JsonNode view = json(get("/api/generation/" + generation, user));
    assertThat(view.path("model_id").asString()).isEqualTo("nano-banana-edit");
    assertThat(view.path("prompt").asString()).isEqualTo("сделай картиной");
    assertThat(view.path("input_ids").size()).isEqualTo(1);

    // Its result, once settled, answers the photo's message in the chat.
    publish(
        dev.nanogen.model.Topics.OUTCOMES,
        generation,
        new dev.nanogen.model.GenerationSucceeded(
            java.util.UUID.randomUUID(),
            java.time.Instant.now(),
            dev.nanogen.model.GenerationSucceeded.SCHEMA_VERSION,
            java.util.UUID.fromString(generation),
            List.of("https://files.example/edit.png"),
            900,
            "aiml",
            java.math.BigDecimal.ONE));
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .until(() -> settled(generation).isPresent());
    JsonNode settled = JSON.readTree(settled(generation).orElseThrow());
    assertThat(settled.path("reply_to").asLong())
        .isEqualTo(((Number) ((Map<?, ?>) photo.get("message")).get("message_id")).longValue());
    assertLedgerReconciles(user);
  }

  java.util.Optional<String> settled(String generation) {
    return jdbc.sql(
            "SELECT payload FROM outbox WHERE message_key = :k AND event_type = 'GenerationSettled'")
        .param("k", generation)
        .query(String.class)
        .optional();
  }

  @Test
  void withoutCreditsThePressIsAnsweredWithTheApisErrorAndNothingIsHeld() {
    long user = newUserId();
    String file = TELEGRAM.addFile(TestImages.png(10, 10));
    TELEGRAM.deliver(TelegramStub.photo(TELEGRAM.nextUpdateId(), user, "en", file, 500, "a hat"));
    String data = editButton(lastReply(user));

    TELEGRAM.deliver(
        TelegramStub.callback(TELEGRAM.nextUpdateId(), user, "en", "broke-" + user, data));

    assertThat(generations(user)).isZero();
    assertThat(
            TELEGRAM.callbackAnswers().stream()
                .filter(a -> a.queryId().equals("broke-" + user))
                .findFirst()
                .orElseThrow()
                .text())
        .isEqualTo(
            json(startWith(user, "nano-banana-edit", List.of(data.substring(5)), Map.of()))
                .path("message")
                .asString());
  }

  @Test
  void anotherUsersButtonAnUncaptionedPhotoAndAGifStartNothing() {
    long owner = newUserId();
    long other = newUserId();
    grant(other, 50);
    TELEGRAM.deliver(
        TelegramStub.photo(
            TELEGRAM.nextUpdateId(),
            owner,
            "en",
            TELEGRAM.addFile(TestImages.png(8, 8)),
            400,
            "a hat"));
    String data = editButton(lastReply(owner));

    TELEGRAM.deliver(
        TelegramStub.callback(TELEGRAM.nextUpdateId(), other, "en", "thief-" + other, data));
    assertThat(generations(other)).isZero();
    assertThat(
            TELEGRAM.callbackAnswers().stream()
                .filter(a -> a.queryId().equals("thief-" + other))
                .findFirst()
                .orElseThrow()
                .text())
        .contains("no longer available");

    // No caption: asked for one, no edit button.
    TELEGRAM.deliver(
        TelegramStub.photo(
            TELEGRAM.nextUpdateId(),
            other,
            "en",
            TELEGRAM.addFile(TestImages.png(8, 8)),
            400,
            null));
    TelegramStub.Message asked = lastReply(other);
    assertThat(String.valueOf(asked.fields().get("text"))).contains("caption");
    assertThat(String.valueOf(asked.fields().get("reply_markup"))).doesNotContain("edit:");

    // An animated GIF sent as a file: refused as the API refuses it, nothing kept.
    long before = uploads(other);
    Map<String, Object> gif =
        TelegramStub.photo(
            TELEGRAM.nextUpdateId(),
            other,
            "en",
            TELEGRAM.addFile(TestImages.gif(8, 8)),
            400,
            "move");
    TELEGRAM.deliver(gif);
    assertThat(uploads(other)).isEqualTo(before);
    assertThat(String.valueOf(lastReply(other).fields().get("text")))
        .isEqualTo(json(upload415(other)).path("message").asString());
  }

  /** The API's own 415 for the same user's language. */
  java.net.http.HttpResponse<String> upload415(long user) {
    return send(
        java.net.http.HttpRequest.newBuilder(uri("/api/uploads"))
            .header("Authorization", "tma " + initData(user))
            .header("Content-Type", "multipart/form-data; boundary=b")
            .POST(
                java.net.http.HttpRequest.BodyPublishers.ofString(
                    "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.gif\"\r\n\r\nGIF89a\r\n--b--\r\n"))
            .build());
  }
}

package dev.nanogen.notifier.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.model.ChatStatusChanged;
import dev.nanogen.model.GenerationProcessingStarted;
import dev.nanogen.model.GenerationSettled;
import dev.nanogen.model.GenerationStatus;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.PaymentReceived;
import dev.nanogen.model.Topics;
import dev.nanogen.testkit.KafkaProbe;
import dev.nanogen.testkit.SandboxAimlServer;
import dev.nanogen.testkit.TelegramStub;
import dev.nanogen.testkit.TestInfra;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Settled generations through the real broker and the delivery table in the real database to the
 * Telegram stub over real HTTP; result files served by the sandbox with the sizes the rules are
 * about.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DeliveryTest {
  static final String TOKEN = "555:NOTIFIER-TEST";
  static final String ADMIN_TOKEN = "notifier-admin-token-0123456789abcdef";
  static final long MB = 1024 * 1024;
  static final TelegramStub TELEGRAM = new TelegramStub(0, TOKEN);
  static final SandboxAimlServer FILES = new SandboxAimlServer(0, null);
  static final AtomicLong CHATS = new AtomicLong(System.nanoTime() % 1_000_000 * 1000);
  static TestInfra.Database database;

  @Autowired KafkaTemplate<String, String> kafka;
  @Autowired JsonMapper json;
  @Autowired JdbcClient jdbc;
  @Autowired org.springframework.transaction.support.TransactionTemplate transactions;
  @LocalServerPort int port;

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    synchronized (DeliveryTest.class) {
      if (database == null) {
        database = TestInfra.freshDatabase("nanogen_notifier_test");
      }
    }
    registry.add("spring.datasource.url", database::url);
    registry.add("spring.datasource.username", database::username);
    registry.add("spring.datasource.password", database::password);
    registry.add("spring.kafka.bootstrap-servers", TestInfra::kafkaBootstrap);
    registry.add("nanogen.telegram.bot-token", () -> TOKEN);
    registry.add("nanogen.telegram.api-base-url", TELEGRAM::baseUrl);
    registry.add("nanogen.admin-token", () -> ADMIN_TOKEN);
    // The sandbox serves results over http on loopback.
    registry.add("nanogen.fetch.allow-private", () -> "true");
    registry.add("nanogen.delivery.first-retry", () -> "200ms");
    registry.add("nanogen.delivery.max-retry-age", () -> "3s");
    // Short chat leases, so a lapse shows within a test: 1 s, renewed every 250 ms while sending.
    registry.add("nanogen.delivery.lease", () -> "1s");
    registry.add("nanogen.delivery.lease-renew-every", () -> "250ms");
  }

  private static GenerationSettled settled(
      long chat, GenerationStatus status, ModelKind kind, List<String> urls, String errorCode) {
    return new GenerationSettled(
        UUID.randomUUID(),
        Instant.now(),
        1,
        UUID.randomUUID(),
        chat,
        chat,
        "en",
        status,
        "flux-pro",
        "FLUX 1.1 Pro",
        kind,
        "a red fox in the snow",
        urls,
        errorCode,
        4);
  }

  private static GenerationSettled completed(long chat, ModelKind kind, String... urls) {
    return settled(chat, GenerationStatus.COMPLETED, kind, List.of(urls), null);
  }

  private void publish(GenerationSettled event) throws Exception {
    publish(event.generationId().toString(), json.writeValueAsString(event));
  }

  private void publish(String key, String value) throws Exception {
    ProducerRecord<String, String> record = new ProducerRecord<>(Topics.SETTLED, key, value);
    record
        .headers()
        .add(Topics.EVENT_TYPE_HEADER, "GenerationSettled".getBytes(StandardCharsets.UTF_8));
    kafka.send(record).get();
  }

  private static List<TelegramStub.Message> awaitMessages(long chat, int count) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> TELEGRAM.messagesTo(chat), m -> m.size() >= count);
  }

  private String state(UUID generation) {
    return jdbc.sql("SELECT state FROM deliveries WHERE generation_id = :g AND kind = 'RESULT'")
        .param("g", generation)
        .query(String.class)
        .optional()
        .orElse("none");
  }

  private String awaitState(UUID generation, String state) {
    return await().atMost(Duration.ofSeconds(30)).until(() -> state(generation), state::equals);
  }

  private HttpResponse<String> admin(String method, String path, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void a_result_url_that_is_not_http_is_never_handed_to_telegram() throws Exception {
    for (String url :
        List.of(
            "javascript:alert(document.cookie)",
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>")) {
      long chat = CHATS.incrementAndGet();
      GenerationSettled event = completed(chat, ModelKind.IMAGE, url);
      publish(event);

      assertThat(awaitState(event.generationId(), "DROPPED")).isEqualTo("DROPPED");
      assertThat(TELEGRAM.messagesTo(chat)).as(url).isEmpty();
    }
  }

  @Test
  void a_completed_image_is_sent_as_a_photo_with_a_caption() throws Exception {
    long chat = CHATS.incrementAndGet();
    GenerationSettled event = completed(chat, ModelKind.IMAGE, FILES.fileUrl("fox.png", 300_000));
    publish(event);

    TelegramStub.Message message = awaitMessages(chat, 1).getFirst();
    assertThat(message.method()).isEqualTo("sendPhoto");
    assertThat(message.fields().get("photo")).isEqualTo(FILES.fileUrl("fox.png", 300_000));
    assertThat(String.valueOf(message.fields().get("caption")))
        .contains("FLUX 1.1 Pro")
        .contains("a red fox");
    assertThat(message.uploaded()).isFalse();
    assertThat(awaitState(event.generationId(), "SENT")).isEqualTo("SENT");
  }

  @Test
  void an_edit_of_a_photo_sent_in_the_chat_answers_that_photos_message() throws Exception {
    long chat = CHATS.incrementAndGet();
    GenerationSettled edit = completed(chat, ModelKind.IMAGE, FILES.fileUrl("edit.png", 2000));
    publish(withReply(edit, 4242L));
    long videoChat = CHATS.incrementAndGet();
    // A video over the by-URL limit is uploaded (multipart): it answers the photo too.
    publish(
        withReply(completed(videoChat, ModelKind.VIDEO, FILES.fileUrl("big.mp4", 30 * MB)), 77L));
    long plainChat = CHATS.incrementAndGet();
    publish(completed(plainChat, ModelKind.IMAGE, FILES.fileUrl("plain.png", 2000)));

    JsonNode reply =
        json.readTree(
            String.valueOf(awaitMessages(chat, 1).getFirst().fields().get("reply_parameters")));
    assertThat(reply.path("message_id").asLong()).isEqualTo(4242L);
    assertThat(reply.path("allow_sending_without_reply").asBoolean()).isTrue();
    TelegramStub.Message video = awaitMessages(videoChat, 1).getFirst();
    assertThat(video.uploaded()).isTrue();
    assertThat(
            json.readTree(String.valueOf(video.fields().get("reply_parameters")))
                .path("message_id")
                .asLong())
        .isEqualTo(77L);
    assertThat(awaitMessages(plainChat, 1).getFirst().fields())
        .doesNotContainKey("reply_parameters");
  }

  private static GenerationSettled withReply(GenerationSettled event, long messageId) {
    return new GenerationSettled(
        event.eventId(),
        event.occurredAt(),
        GenerationSettled.SCHEMA_VERSION,
        event.generationId(),
        event.userId(),
        event.chatId(),
        event.languageCode(),
        event.status(),
        event.modelId(),
        event.modelName(),
        event.kind(),
        event.prompt(),
        event.resultUrls(),
        event.errorCode(),
        event.credits(),
        messageId);
  }

  @Test
  void a_photo_over_the_by_url_photo_limit_goes_as_a_document() throws Exception {
    long chat = CHATS.incrementAndGet();
    publish(completed(chat, ModelKind.IMAGE, FILES.fileUrl("big.png", 6 * MB)));

    TelegramStub.Message message = awaitMessages(chat, 1).getFirst();
    assertThat(message.method()).isEqualTo("sendDocument");
    assertThat(message.uploaded()).isFalse();
  }

  @Test
  void several_images_go_as_one_album_with_the_caption_on_the_first() throws Exception {
    long chat = CHATS.incrementAndGet();
    publish(
        completed(
            chat,
            ModelKind.IMAGE,
            FILES.fileUrl("a.png", 1000),
            FILES.fileUrl("b.png", 1000),
            FILES.fileUrl("c.png", 1000)));

    List<TelegramStub.Message> messages = awaitMessages(chat, 1);
    assertThat(messages).hasSize(1);
    assertThat(messages.getFirst().method()).isEqualTo("sendMediaGroup");
    JsonNode media = json.readTree(String.valueOf(messages.getFirst().fields().get("media")));
    assertThat(media).hasSize(3);
    assertThat(media.get(0).path("type").asString()).isEqualTo("photo");
    assertThat(media.get(0).path("caption").asString()).contains("a red fox");
    assertThat(media.get(1).has("caption")).isFalse();
  }

  @Test
  void a_video_within_the_by_url_limit_is_sent_by_url() throws Exception {
    long chat = CHATS.incrementAndGet();
    publish(completed(chat, ModelKind.VIDEO, FILES.fileUrl("clip.mp4", 8 * MB)));

    TelegramStub.Message message = awaitMessages(chat, 1).getFirst();
    assertThat(message.method()).isEqualTo("sendVideo");
    assertThat(message.uploaded()).isFalse();
    assertThat(message.fields().get("video")).isEqualTo(FILES.fileUrl("clip.mp4", 8 * MB));
  }

  @Test
  void a_video_over_the_by_url_limit_is_uploaded_once_and_its_file_id_reused() throws Exception {
    long chat = CHATS.incrementAndGet();
    String url = FILES.fileUrl("long-" + chat + ".mp4", 21 * MB);
    publish(completed(chat, ModelKind.VIDEO, url));

    TelegramStub.Message upload = awaitMessages(chat, 1).getFirst();
    assertThat(upload.method()).isEqualTo("sendVideo");
    assertThat(upload.uploaded()).isTrue();
    assertThat(String.valueOf(upload.fields().get("video")))
        .isEqualTo("<file " + 21 * MB + " bytes>");

    publish(completed(chat, ModelKind.VIDEO, url));
    TelegramStub.Message repeat = awaitMessages(chat, 2).get(1);
    assertThat(repeat.uploaded()).isFalse();
    assertThat(String.valueOf(repeat.fields().get("video"))).startsWith("video-");
  }

  @Test
  void a_video_over_the_upload_limit_is_sent_as_a_link() throws Exception {
    long chat = CHATS.incrementAndGet();
    String url = FILES.fileUrl("huge.mp4", 60 * MB);
    publish(completed(chat, ModelKind.VIDEO, url));

    TelegramStub.Message message = awaitMessages(chat, 1).getFirst();
    assertThat(message.method()).isEqualTo("sendMessage");
    assertThat(String.valueOf(message.fields().get("text"))).contains("a red fox").contains(url);
  }

  @Test
  void a_failure_is_told_in_the_users_language_with_the_credits_returned() throws Exception {
    long chat = CHATS.incrementAndGet();
    GenerationSettled event =
        settled(chat, GenerationStatus.FAILED, ModelKind.IMAGE, List.of(), "TIMEOUT");
    publish(
        new GenerationSettled(
            event.eventId(),
            event.occurredAt(),
            1,
            event.generationId(),
            chat,
            chat,
            "ru",
            event.status(),
            event.modelId(),
            event.modelName(),
            event.kind(),
            event.prompt(),
            event.resultUrls(),
            event.errorCode(),
            4));

    TelegramStub.Message message = awaitMessages(chat, 1).getFirst();
    assertThat(message.method()).isEqualTo("sendMessage");
    assertThat(String.valueOf(message.fields().get("text")))
        .contains("слишком долго")
        .contains("4 кредитов возвращено");
  }

  private void publishStarted(long chat, UUID generation) throws Exception {
    GenerationProcessingStarted started =
        new GenerationProcessingStarted(
            UUID.randomUUID(),
            Instant.now(),
            1,
            generation,
            chat,
            chat,
            "uz",
            "kling-video",
            "Kling",
            ModelKind.VIDEO,
            "a red fox in the snow");
    ProducerRecord<String, String> record =
        new ProducerRecord<>(
            Topics.SETTLED, generation.toString(), json.writeValueAsString(started));
    record
        .headers()
        .add(
            Topics.EVENT_TYPE_HEADER,
            "GenerationProcessingStarted".getBytes(StandardCharsets.UTF_8));
    kafka.send(record).get();
  }

  @Test
  void a_purchase_is_confirmed_once_in_the_users_language_however_often_it_is_announced()
      throws Exception {
    long chat = CHATS.incrementAndGet();
    PaymentReceived paid =
        new PaymentReceived(
            UUID.randomUUID(),
            Instant.now(),
            1,
            UUID.randomUUID(),
            chat,
            chat,
            "ru",
            "200 credits",
            200,
            180,
            203);
    for (int i = 0; i < 3; i++) {
      ProducerRecord<String, String> record =
          new ProducerRecord<>(
              Topics.SETTLED, paid.paymentId().toString(), json.writeValueAsString(paid));
      record
          .headers()
          .add(Topics.EVENT_TYPE_HEADER, "PaymentReceived".getBytes(StandardCharsets.UTF_8));
      kafka.send(record).get();
    }

    TelegramStub.Message message = awaitMessages(chat, 1).getFirst();
    assertThat(message.method()).isEqualTo("sendMessage");
    assertThat(String.valueOf(message.fields().get("text")))
        .contains("200")
        .contains("180 Stars")
        .contains("203");
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> TELEGRAM.messagesTo(chat).size() == 1);
    assertThat(
            jdbc.sql(
                    "SELECT count(*) FROM deliveries WHERE generation_id = :p AND kind = 'PURCHASE'")
                .param("p", paid.paymentId())
                .query(Long.class)
                .single())
        .isEqualTo(1);
  }

  @Test
  void a_started_notice_is_a_short_text_and_the_result_follows() throws Exception {
    long chat = CHATS.incrementAndGet();
    GenerationSettled result = completed(chat, ModelKind.VIDEO, FILES.fileUrl("s.mp4", 1000));
    publishStarted(chat, result.generationId());
    awaitMessages(chat, 1);
    publish(result);

    List<TelegramStub.Message> messages = awaitMessages(chat, 2);
    assertThat(messages.get(0).method()).isEqualTo("sendMessage");
    assertThat(String.valueOf(messages.get(0).fields().get("text")))
        .contains("Kling")
        .contains("boshlandi");
    assertThat(messages.get(1).method()).isEqualTo("sendVideo");
  }

  @Test
  void a_started_notice_that_arrives_after_the_result_is_not_sent() throws Exception {
    long chat = CHATS.incrementAndGet();
    GenerationSettled result = completed(chat, ModelKind.VIDEO, FILES.fileUrl("late.mp4", 1000));
    publish(result);
    awaitState(result.generationId(), "SENT");
    publishStarted(chat, result.generationId());

    assertThat(
            await()
                .atMost(Duration.ofSeconds(30))
                .until(
                    () ->
                        jdbc.sql(
                                "SELECT state FROM deliveries WHERE generation_id = :g AND kind = 'STARTED'")
                            .param("g", result.generationId())
                            .query(String.class)
                            .optional()
                            .orElse("none"),
                    "DROPPED"::equals))
        .isEqualTo("DROPPED");
    assertThat(TELEGRAM.messagesTo(chat)).hasSize(1);
  }

  @Test
  void a_chat_telegram_answers_slowly_holds_no_other_chat() throws Exception {
    long slow = CHATS.incrementAndGet();
    long other = CHATS.incrementAndGet();
    TELEGRAM.answerSlowly(slow, Duration.ofSeconds(8));
    publish(completed(slow, ModelKind.IMAGE, FILES.fileUrl("slow.png", 1000)));
    // Its send is on its way to Telegram (claimed, past the send clock) before the other arrives.
    await().atMost(Duration.ofSeconds(10)).until(() -> leasedBy(slow) != null);
    await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true);

    publish(completed(other, ModelKind.IMAGE, FILES.fileUrl("quick.png", 1000)));

    awaitMessages(other, 1);
    assertThat(TELEGRAM.messagesTo(slow))
        .as("the other chat's message went while the slow chat's was still unanswered")
        .isEmpty();
    awaitMessages(slow, 1);
  }

  @Test
  void a_send_that_outlasts_the_lease_keeps_its_chat_from_every_other_replica() throws Exception {
    long chat = CHATS.incrementAndGet();
    Deliveries otherReplica = new Deliveries(jdbc, transactions);
    TELEGRAM.answerSlowly(chat, Duration.ofSeconds(4));
    publish(completed(chat, ModelKind.IMAGE, FILES.fileUrl("lease.png", 1000)));

    await().atMost(Duration.ofSeconds(10)).until(() -> leasedBy(chat) != null);
    // Every 100 ms until the message is out (four leases and more): another replica finds the chat
    // reserved.
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              assertThat(otherReplica.claim(64, Duration.ofSeconds(1)))
                  .as("leases into the send, its chat is still reserved")
                  .noneMatch(d -> d.chatId() == chat);
              return !TELEGRAM.messagesTo(chat).isEmpty();
            });
    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(3))
        .until(() -> TELEGRAM.attemptsTo(chat).size() == 1);
    assertThat(TELEGRAM.attemptsTo(chat)).as("sent once").hasSize(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> leasedBy(chat) == null);
  }

  @Test
  void a_chat_held_by_a_dead_replica_is_taken_over_once_its_lease_ran_out() throws Exception {
    long chat = CHATS.incrementAndGet();
    UUID dead = UUID.randomUUID();
    jdbc.sql(
            "INSERT INTO chats (chat_id, user_id, next_send_at, leased_by) VALUES (:c, :c, now() + interval '2 seconds', :dead)")
        .param("c", chat)
        .param("dead", dead)
        .update();
    Instant lapses = Instant.now().plusSeconds(2);
    GenerationSettled notice = completed(chat, ModelKind.IMAGE, FILES.fileUrl("lease.png", 1000));
    publish(notice);

    List<TelegramStub.Message> sent = awaitMessages(chat, 1);
    assertThat(sent.getFirst().at())
        .as("not before the dead replica's lease ran out")
        .isAfterOrEqualTo(lapses.minusMillis(100));
    awaitState(notice.generationId(), "SENT");
    assertThat(TELEGRAM.attemptsTo(chat)).hasSize(1);
  }

  private String leasedBy(long chat) {
    return jdbc.sql("SELECT leased_by::text FROM chats WHERE chat_id = :c")
        .param("c", chat)
        .query(String.class)
        .optional()
        .orElse(null);
  }

  @Test
  void the_same_event_delivered_twice_sends_one_message() throws Exception {
    long chat = CHATS.incrementAndGet();
    GenerationSettled event =
        settled(chat, GenerationStatus.CANCELLED, ModelKind.IMAGE, List.of(), "CANCELLED");
    publish(event);
    publish(event);
    // A later record on the same partition (same key): once it is delivered, both copies were
    // consumed.
    GenerationSettled marker =
        settled(chat, GenerationStatus.FAILED, ModelKind.IMAGE, List.of(), "TIMEOUT");
    publish(event.generationId().toString(), json.writeValueAsString(marker));

    awaitMessages(chat, 2);
    awaitState(marker.generationId(), "SENT");
    assertThat(TELEGRAM.messagesTo(chat)).hasSize(2);
    assertThat(TELEGRAM.messagesTo(chat))
        .filteredOn(m -> String.valueOf(m.fields().get("text")).contains("cancelled"))
        .hasSize(1);
    assertThat(
            jdbc.sql("SELECT count(*) FROM deliveries WHERE generation_id = :g")
                .param("g", event.generationId())
                .query(Long.class)
                .single())
        .isEqualTo(1);
  }

  @Test
  void messages_to_one_chat_are_at_least_the_per_chat_interval_apart() throws Exception {
    long chat = CHATS.incrementAndGet();
    for (int i = 0; i < 3; i++) {
      publish(settled(chat, GenerationStatus.FAILED, ModelKind.IMAGE, List.of(), "TIMEOUT"));
    }

    List<TelegramStub.Message> messages = awaitMessages(chat, 3);
    for (int i = 1; i < messages.size(); i++) {
      assertThat(Duration.between(messages.get(i - 1).at(), messages.get(i).at()))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }
  }

  @Test
  void a_429_makes_that_chat_wait_retry_after_while_other_chats_go_on() throws Exception {
    long slowed = CHATS.incrementAndGet();
    long other = CHATS.incrementAndGet();
    TELEGRAM.retryAfter(3);
    TELEGRAM.failNext(slowed, 429, 1);
    publish(settled(slowed, GenerationStatus.FAILED, ModelKind.IMAGE, List.of(), "TIMEOUT"));
    await().atMost(Duration.ofSeconds(20)).until(() -> !TELEGRAM.attemptsTo(slowed).isEmpty());
    publish(settled(other, GenerationStatus.FAILED, ModelKind.IMAGE, List.of(), "TIMEOUT"));

    TelegramStub.Message retried = awaitMessages(slowed, 1).getFirst();
    TelegramStub.Message otherMessage = awaitMessages(other, 1).getFirst();
    List<TelegramStub.Attempt> attempts = TELEGRAM.attemptsTo(slowed);
    assertThat(attempts).extracting(TelegramStub.Attempt::status).containsExactly(429, 200);
    assertThat(Duration.between(attempts.get(0).at(), attempts.get(1).at()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    assertThat(otherMessage.at()).isBefore(retried.at());
  }

  @Test
  void a_user_who_blocked_the_bot_is_recorded_not_retried_and_the_gateway_is_told()
      throws Exception {
    long blocked = CHATS.incrementAndGet();
    TELEGRAM.failNext(blocked, 403, 1);
    GenerationSettled event = completed(blocked, ModelKind.IMAGE, FILES.fileUrl("b.png", 1000));
    try (KafkaProbe chats = new KafkaProbe(Topics.CHATS)) {
      publish(event);

      awaitState(event.generationId(), "BLOCKED");
      ChatStatusChanged told =
          await()
              .atMost(Duration.ofSeconds(20))
              .until(() -> chats.withKey(Long.toString(blocked)), r -> !r.isEmpty())
              .stream()
              .map(r -> json.readValue(r.value(), ChatStatusChanged.class))
              .findFirst()
              .orElseThrow();
      assertThat(told.blocked()).isTrue();
      assertThat(told.userId()).isEqualTo(blocked);
    }
    assertThat(
            jdbc.sql("SELECT blocked_at IS NOT NULL FROM chats WHERE chat_id = :c")
                .param("c", blocked)
                .query(Boolean.class)
                .single())
        .isTrue();
    assertThat(TELEGRAM.attemptsTo(blocked)).hasSize(1);
    assertThat(TELEGRAM.messagesTo(blocked)).isEmpty();
  }

  @Test
  void another_4xx_is_dropped_at_once() throws Exception {
    long chat = CHATS.incrementAndGet();
    TELEGRAM.failNext(chat, 400, 1);
    GenerationSettled event = completed(chat, ModelKind.IMAGE, FILES.fileUrl("x.png", 1000));
    publish(event);

    awaitState(event.generationId(), "DROPPED");
    assertThat(TELEGRAM.attemptsTo(chat)).hasSize(1);
  }

  @Test
  void a_5xx_is_retried_until_it_goes_through() throws Exception {
    long chat = CHATS.incrementAndGet();
    TELEGRAM.failNext(chat, 502, 2);
    GenerationSettled event =
        settled(chat, GenerationStatus.CANCELLED, ModelKind.IMAGE, List.of(), "CANCELLED");
    publish(event);

    awaitMessages(chat, 1);
    assertThat(TELEGRAM.attemptsTo(chat))
        .extracting(TelegramStub.Attempt::status)
        .containsExactly(502, 502, 200);
    assertThat(
            jdbc.sql("SELECT attempts FROM deliveries WHERE generation_id = :g")
                .param("g", event.generationId())
                .query(Integer.class)
                .single())
        .isEqualTo(3);
  }

  @Test
  void telegram_failing_past_the_retry_age_parks_the_message_and_an_admin_requeues_it()
      throws Exception {
    long chat = CHATS.incrementAndGet();
    TELEGRAM.failNext(chat, 500, 1000);
    GenerationSettled event =
        settled(chat, GenerationStatus.FAILED, ModelKind.IMAGE, List.of(), "TIMEOUT");
    publish(event);

    awaitState(event.generationId(), "PARKED");
    assertThat(admin("GET", "/api/admin/notifications/parked", null).statusCode()).isEqualTo(401);
    HttpResponse<String> wrong = admin("GET", "/api/admin/notifications/parked", "wrong");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(json.readTree(wrong.body()).path("code").asString())
        .isEqualTo("ADMIN_AUTH_REQUIRED");
    JsonNode parked =
        json.readTree(admin("GET", "/api/admin/notifications/parked", ADMIN_TOKEN).body());
    JsonNode item = null;
    for (JsonNode candidate : parked.path("items")) {
      item =
          candidate.path("generation_id").asString().equals(event.generationId().toString())
              ? candidate
              : item;
    }
    assertThat(item).isNotNull();
    assertThat(item.path("last_error").asString()).contains("500");
    assertThat(TELEGRAM.messagesTo(chat)).isEmpty();

    TELEGRAM.clearFailures(chat);
    HttpResponse<String> requeued =
        admin(
            "POST",
            "/api/admin/notifications/parked/" + item.path("id").asLong() + "/requeue",
            ADMIN_TOKEN);
    assertThat(json.readTree(requeued.body()).path("requeued").asInt()).isEqualTo(1);
    assertThat(
            jdbc.sql(
                    "SELECT details FROM admin_audit WHERE action = 'notification-requeue' ORDER BY id DESC LIMIT 1")
                .query(String.class)
                .single())
        .isEqualTo("delivery " + item.path("id").asLong() + ": 1");
    awaitMessages(chat, 1);
    assertThat(awaitState(event.generationId(), "SENT")).isEqualTo("SENT");
  }

  @Test
  void a_malformed_record_goes_to_the_dead_letter_topic_and_the_consumer_goes_on()
      throws Exception {
    long chat = CHATS.incrementAndGet();
    String key = UUID.randomUUID().toString();
    try (KafkaProbe dlt = new KafkaProbe(Topics.SETTLED + Topics.DLT_SUFFIX)) {
      publish(key, "{not json");
      GenerationSettled after =
          settled(chat, GenerationStatus.FAILED, ModelKind.IMAGE, List.of(), "TIMEOUT");
      publish(key, json.writeValueAsString(after));

      awaitMessages(chat, 1);
      assertThat(
              await()
                  .atMost(Duration.ofSeconds(20))
                  .until(() -> dlt.withKey(key), r -> !r.isEmpty())
                  .getFirst()
                  .value())
          .isEqualTo("{not json");
    }
  }
}

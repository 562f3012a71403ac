package dev.nanogen.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.model.GenerationSettled;
import dev.nanogen.model.GenerationStatus;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.Topics;
import dev.nanogen.testkit.TelegramStub;
import dev.nanogen.testkit.TestInfra;
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
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/** Settled generations through the real broker to the Telegram stub over real HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class DeliverNoticeTest {
  static final String TOKEN = "555:NOTIFIER-TEST";
  static final TelegramStub TELEGRAM = new TelegramStub(0, TOKEN);
  static final AtomicLong CHATS = new AtomicLong(System.nanoTime() % 1_000_000 * 1000);

  @Autowired KafkaTemplate<String, String> kafka;
  @Autowired JsonMapper json;

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    registry.add("spring.kafka.bootstrap-servers", TestInfra::kafkaBootstrap);
    registry.add("nanogen.telegram.bot-token", () -> TOKEN);
    registry.add("nanogen.telegram.api-base-url", TELEGRAM::baseUrl);
  }

  private GenerationSettled settled(long chat, GenerationStatus status, ModelKind kind, String language, List<String> urls, String errorCode) {
    return new GenerationSettled(UUID.randomUUID(), Instant.now(), 1, UUID.randomUUID(), chat, chat, language, status,
        "flux-pro", "FLUX 1.1 Pro", kind, "a red fox in the snow", urls, errorCode, 4);
  }

  private void publish(GenerationSettled event) throws Exception {
    ProducerRecord<String, String> record =
        new ProducerRecord<>(Topics.SETTLED, event.generationId().toString(), json.writeValueAsString(event));
    record.headers().add(Topics.EVENT_TYPE_HEADER, "GenerationSettled".getBytes(StandardCharsets.UTF_8));
    kafka.send(record).get();
  }

  private List<TelegramStub.Message> awaitMessages(long chat, int count) {
    return await().atMost(Duration.ofSeconds(30)).until(() -> TELEGRAM.messagesTo(chat), m -> m.size() >= count);
  }

  @Test
  void a_completed_image_is_sent_as_a_photo_with_a_caption() throws Exception {
    long chat = CHATS.incrementAndGet();
    publish(settled(chat, GenerationStatus.COMPLETED, ModelKind.IMAGE, "en", List.of("http://img/1.png"), null));

    TelegramStub.Message message = awaitMessages(chat, 1).getFirst();
    assertThat(message.method()).isEqualTo("sendPhoto");
    assertThat(message.fields().get("photo")).isEqualTo("http://img/1.png");
    assertThat(String.valueOf(message.fields().get("caption"))).contains("FLUX 1.1 Pro").contains("a red fox");
  }

  @Test
  void a_completed_video_is_sent_as_a_video() throws Exception {
    long chat = CHATS.incrementAndGet();
    publish(settled(chat, GenerationStatus.COMPLETED, ModelKind.VIDEO, "en", List.of("http://vid/1.mp4"), null));

    assertThat(awaitMessages(chat, 1).getFirst().method()).isEqualTo("sendVideo");
  }

  @Test
  void a_failure_is_told_in_the_users_language_with_the_credits_returned() throws Exception {
    long chat = CHATS.incrementAndGet();
    publish(settled(chat, GenerationStatus.FAILED, ModelKind.IMAGE, "ru", List.of(), "TIMEOUT"));

    TelegramStub.Message message = awaitMessages(chat, 1).getFirst();
    assertThat(message.method()).isEqualTo("sendMessage");
    assertThat(String.valueOf(message.fields().get("text"))).contains("слишком долго").contains("4 кредитов возвращено");
  }

  @Test
  void a_5xx_is_retried_until_it_goes_through() throws Exception {
    long chat = CHATS.incrementAndGet();
    TELEGRAM.failNext(chat, 502, 2);
    publish(settled(chat, GenerationStatus.CANCELLED, ModelKind.IMAGE, "uz", List.of(), "CANCELLED"));

    TelegramStub.Message message = awaitMessages(chat, 1).getFirst();
    assertThat(String.valueOf(message.fields().get("text"))).contains("bekor qilindi");
  }

  @Test
  void a_user_who_blocked_the_bot_is_not_retried_and_others_are_not_held_up() throws Exception {
    long blocked = CHATS.incrementAndGet();
    long other = CHATS.incrementAndGet();
    TELEGRAM.failNext(blocked, 403, 1);
    publish(settled(blocked, GenerationStatus.COMPLETED, ModelKind.IMAGE, "en", List.of("http://img/b.png"), null));
    publish(settled(other, GenerationStatus.COMPLETED, ModelKind.IMAGE, "en", List.of("http://img/o.png"), null));

    awaitMessages(other, 1);
    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
    assertThat(TELEGRAM.messagesTo(blocked)).isEmpty();
  }
}

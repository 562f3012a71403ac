package dev.nanogen.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.gateway.IntegrationTest;
import dev.nanogen.model.ChatStatusChanged;
import dev.nanogen.model.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.json.JsonMapper;

/** The notifier's word on whether the bot reaches a user's chat, recorded on the user. */
class ChatStatusTest extends IntegrationTest {
  @Autowired JsonMapper json;
  @Autowired ChatStatusListener listener;

  private ProducerRecord<String, String> record(long user, boolean blocked, Instant at) {
    ChatStatusChanged event =
        new ChatStatusChanged(
            UUID.randomUUID(),
            at,
            1,
            user,
            user,
            blocked,
            blocked ? "Forbidden: bot was blocked by the user" : null);
    ProducerRecord<String, String> record =
        new ProducerRecord<>(Topics.CHATS, Long.toString(user), json.writeValueAsString(event));
    record
        .headers()
        .add(Topics.EVENT_TYPE_HEADER, "ChatStatusChanged".getBytes(StandardCharsets.UTF_8));
    return record;
  }

  /** Applies an event the way the listener does, without waiting on the broker. */
  private void apply(long user, boolean blocked, Instant at) {
    ProducerRecord<String, String> sent = record(user, blocked, at);
    ConsumerRecord<String, String> received =
        new ConsumerRecord<>(Topics.CHATS, 0, 0, sent.key(), sent.value());
    sent.headers().forEach(h -> received.headers().add(h));
    listener.on(received);
  }

  private boolean botBlocked(long user) {
    return json(get("/api/me", user)).path("bot_blocked").asBoolean();
  }

  @Test
  void a_blocked_chat_arrives_through_kafka_and_shows_on_the_user() throws Exception {
    long user = newUserId();
    assertThat(botBlocked(user)).isFalse();

    kafka.send(record(user, true, Instant.now())).get();

    await().atMost(Duration.ofSeconds(20)).until(() -> botBlocked(user));
  }

  @Test
  void an_older_or_repeated_event_changes_nothing_and_a_newer_one_clears_the_block() {
    long user = newUserId();
    get("/api/me", user);
    Instant blockedAt = Instant.now();

    apply(user, true, blockedAt);
    apply(user, false, blockedAt.minusSeconds(60));
    apply(user, false, blockedAt);
    assertThat(botBlocked(user)).isTrue();

    apply(user, false, blockedAt.plusSeconds(1));
    assertThat(botBlocked(user)).isFalse();
  }
}

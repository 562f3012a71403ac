package dev.nanogen.gateway.auth;

import dev.nanogen.model.ChatStatusChanged;
import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaEvents;
import java.sql.Timestamp;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Records on the user whether the bot can reach their chat (the notifier's ChatStatusChanged), so
 * GET /api/me and admins can show it. One conditional UPDATE: an event older than the one applied
 * changes nothing, so repeats and reorderings are harmless.
 */
@Component
class ChatStatusListener {
  private static final Logger log = LoggerFactory.getLogger(ChatStatusListener.class);

  private final JdbcClient jdbc;
  private final KafkaEvents events;

  ChatStatusListener(JdbcClient jdbc, KafkaEvents events) {
    this.jdbc = jdbc;
    this.events = events;
  }

  @KafkaListener(id = "gateway-chat-status", topics = Topics.CHATS, groupId = "nanogen-gateway")
  void on(ConsumerRecord<String, String> record) {
    ChatStatusChanged event = events.decode(record, ChatStatusChanged.class);
    if (event.occurredAt() == null) {
      throw new IllegalArgumentException("a ChatStatusChanged without occurred_at");
    }
    int updated =
        jdbc.sql(
                """
                UPDATE users SET bot_blocked = :blocked, bot_status_at = :at
                WHERE id = :user AND (bot_status_at IS NULL OR bot_status_at < :at)
                """)
            .param("blocked", event.blocked())
            .param("at", Timestamp.from(event.occurredAt()))
            .param("user", event.userId())
            .update();
    if (updated == 1) {
      log.info(
          "user {}: the bot {} reach their chat",
          event.userId(),
          event.blocked() ? "can no longer" : "can again");
    }
  }
}

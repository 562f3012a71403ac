package dev.nanogen.gateway.auth;

import dev.nanogen.model.ChatStatusChanged;
import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaEvents;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Records on the user whether the bot can reach their chat (the notifier's ChatStatusChanged), so
 * GET /api/me and admins can show it; an event older than the one applied changes nothing.
 */
@Component
class ChatStatusListener {
  private static final Logger log = LoggerFactory.getLogger(ChatStatusListener.class);

  private final Users users;
  private final KafkaEvents events;

  ChatStatusListener(Users users, KafkaEvents events) {
    this.users = users;
    this.events = events;
  }

  @KafkaListener(id = "gateway-chat-status", topics = Topics.CHATS, groupId = "nanogen-gateway")
  void on(ConsumerRecord<String, String> record) {
    ChatStatusChanged event = events.decode(record, ChatStatusChanged.class);
    if (event.occurredAt() == null) {
      throw new IllegalArgumentException("a ChatStatusChanged without occurred_at");
    }
    boolean updated = users.recordChatStatus(event.userId(), event.blocked(), event.occurredAt());
    if (updated) {
      log.info(
          "user {}: the bot {} reach their chat",
          event.userId(),
          event.blocked() ? "can no longer" : "can again");
    }
  }
}

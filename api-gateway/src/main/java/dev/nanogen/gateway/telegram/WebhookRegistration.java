package dev.nanogen.gateway.telegram;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.ops.telegram.BotApi;
import dev.nanogen.ops.telegram.TelegramError;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Registers NANOGEN_TELEGRAM_WEBHOOK_URL with setWebhook once the gateway is ready: the secret
 * token Telegram is to send, and only the updates the webhook handles. Every replica does it (the
 * same registration each time); a failure is logged and the gateway serves on, the previous
 * registration standing.
 */
@Component
class WebhookRegistration {
  private static final Logger log = LoggerFactory.getLogger(WebhookRegistration.class);
  static final List<String> ALLOWED_UPDATES =
      List.of("message", "pre_checkout_query", "callback_query");

  private final NanogenProperties.Telegram telegram;
  private final BotApi bot;

  WebhookRegistration(NanogenProperties properties, BotApi bot) {
    this.telegram = properties.telegram();
    this.bot = bot;
  }

  @EventListener(ApplicationReadyEvent.class)
  void register() {
    if (telegram.webhookUrl() == null) {
      return;
    }
    try {
      bot.call(
          "setWebhook",
          Map.of(
              "url", telegram.webhookUrl(),
              "secret_token", telegram.webhookSecret(),
              "allowed_updates", ALLOWED_UPDATES));
      log.info(
          "webhook registered: {} ({})", telegram.webhookUrl(), String.join(", ", ALLOWED_UPDATES));
    } catch (TelegramError e) {
      log.error("setWebhook failed, the bot's updates may not arrive: {}", e.getMessage());
    }
  }
}

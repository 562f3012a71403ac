package dev.nanogen.gateway.telegram;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.i18n.UserLocale;
import dev.nanogen.gateway.ledger.Credits;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.context.MessageSource;
import org.springframework.stereotype.Component;

/**
 * The bot's commands in a private chat: /start (a button that opens the Mini App), /paysupport (how
 * to get help with a payment: Telegram requires it of bots that take Stars), /balance; anything
 * else starting with a slash gets the list. Answered as a sendMessage in the webhook's own reply,
 * texts in the sender's language (ru, uz, en).
 */
@Component
class BotCommands {
  private final Credits credits;
  private final MessageSource messages;
  private final String miniAppUrl;

  BotCommands(Credits credits, MessageSource messages, NanogenProperties properties) {
    this.credits = credits;
    this.messages = messages;
    this.miniAppUrl = properties.miniAppUrl();
  }

  /** The sendMessage answering {@code text} from {@code userId} in {@code chatId}. */
  Map<String, Object> answer(long chatId, long userId, String languageCode, String text) {
    Locale locale = UserLocale.supported(languageCode);
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("method", "sendMessage");
    reply.put("chat_id", chatId);
    switch (command(text)) {
      case "/start" -> {
        if (miniAppUrl == null) {
          reply.put("text", text("bot.start.plain", locale));
        } else {
          reply.put("text", text("bot.start", locale));
          reply.put(
              "reply_markup",
              Map.of(
                  "inline_keyboard",
                  List.of(
                      List.of(
                          Map.of(
                              "text",
                              text("bot.start.button", locale),
                              "web_app",
                              Map.of("url", miniAppUrl))))));
        }
      }
      case "/paysupport" -> reply.put("text", text("bot.paysupport", locale));
      case "/balance" -> {
        Credits.Balance balance = credits.balance(userId).orElse(new Credits.Balance(0, 0));
        reply.put(
            "text",
            messages.getMessage(
                "bot.balance",
                new Object[] {balance.creditsAvailable(), balance.creditsHeld()},
                locale));
      }
      default -> reply.put("text", text("bot.unknown", locale));
    }
    return reply;
  }

  /** "/start", "/balance@NanoGenBot" and "/start ref123" name /start and /balance. */
  static String command(String text) {
    String first = text.strip().split("\\s+", 2)[0];
    int at = first.indexOf('@');
    return (at > 0 ? first.substring(0, at) : first).toLowerCase(Locale.ROOT);
  }

  private String text(String key, Locale locale) {
    return messages.getMessage(key, null, locale);
  }
}

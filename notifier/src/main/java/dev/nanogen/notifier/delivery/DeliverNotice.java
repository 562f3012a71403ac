package dev.nanogen.notifier.delivery;

import dev.nanogen.model.GenerationSettled;
import dev.nanogen.model.GenerationStatus;
import dev.nanogen.model.ModelKind;
import dev.nanogen.notifier.telegram.TelegramBotApi;
import dev.nanogen.notifier.telegram.TelegramError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Messages the user how a generation ended: the photo or the video with a caption when completed,
 * a text with the reason and the credits returned when failed or cancelled. A final refusal (the
 * user blocked the bot) is logged and dropped; anything else that fails is thrown for the
 * consumer's retry and dead-letter handling.
 */
@Component
class DeliverNotice {
  private static final Logger log = LoggerFactory.getLogger(DeliverNotice.class);

  private final TelegramBotApi telegram;
  private final NoticeText text;

  DeliverNotice(TelegramBotApi telegram, NoticeText text) {
    this.telegram = telegram;
    this.text = text;
  }

  void deliver(GenerationSettled notice) {
    try {
      send(notice);
      log.info("notified chat {} of generation {} ({})", notice.chatId(), notice.generationId(), notice.status().wire());
    } catch (TelegramError.Final e) {
      log.warn("chat {} refused the notice of generation {}: {}", notice.chatId(), notice.generationId(), e.getMessage());
    }
  }

  private void send(GenerationSettled notice) {
    long chat = notice.chatId();
    if (notice.status() == GenerationStatus.COMPLETED && !notice.resultUrls().isEmpty()) {
      String url = notice.resultUrls().getFirst();
      if (notice.kind() == ModelKind.VIDEO) {
        telegram.sendVideo(chat, url, text.caption(notice));
      } else {
        telegram.sendPhoto(chat, url, text.caption(notice));
      }
    } else if (notice.status() == GenerationStatus.CANCELLED) {
      telegram.sendMessage(chat, text.cancelled(notice));
    } else {
      telegram.sendMessage(chat, text.failed(notice));
    }
  }
}

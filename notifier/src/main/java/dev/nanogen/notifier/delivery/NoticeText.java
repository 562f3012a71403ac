package dev.nanogen.notifier.delivery;

import dev.nanogen.model.FailureCode;
import dev.nanogen.model.GenerationProcessingStarted;
import dev.nanogen.model.GenerationSettled;
import dev.nanogen.model.PaymentReceived;
import java.util.Locale;
import java.util.Set;
import org.springframework.context.MessageSource;
import org.springframework.stereotype.Component;

/** The words of each notice, from the ru / uz / en templates by the user's language_code. */
@Component
class NoticeText {
  private static final Set<String> SUPPORTED = Set.of("ru", "uz", "en");
  static final int PROMPT_PREVIEW = 120;

  private final MessageSource messages;

  NoticeText(MessageSource messages) {
    this.messages = messages;
  }

  String started(GenerationProcessingStarted notice) {
    return messages.getMessage(
        "notice.started",
        new Object[] {notice.modelName(), preview(notice.prompt())},
        locale(notice.languageCode()));
  }

  String purchased(PaymentReceived notice) {
    return messages.getMessage(
        "notice.purchased",
        new Object[] {notice.credits(), notice.stars(), notice.creditsAvailable()},
        locale(notice.languageCode()));
  }

  String caption(GenerationSettled notice) {
    return text("notice.completed", notice, notice.modelName(), preview(notice.prompt()));
  }

  /** A result too large to send as a file: the caption and the link. */
  String link(String caption, String url) {
    if (caption == null) {
      return url;
    }
    return messages.getMessage("notice.link", new Object[] {caption, url}, Locale.ENGLISH);
  }

  String failed(GenerationSettled notice) {
    String reason = text("reason." + FailureCode.of(notice.errorCode()).name(), notice);
    return text("notice.failed", notice, notice.modelName(), reason, notice.credits());
  }

  String cancelled(GenerationSettled notice) {
    return text("notice.cancelled", notice, notice.modelName(), notice.credits());
  }

  private String text(String key, GenerationSettled notice, Object... args) {
    Locale locale = locale(notice.languageCode());
    String fallback =
        key.startsWith("reason.") ? messages.getMessage("reason.UNKNOWN", null, locale) : key;
    return messages.getMessage(key, args, fallback, locale);
  }

  /**
   * The prompt, or its start and an ellipsis: at most {@link #PROMPT_PREVIEW} UTF-16 units, cut at
   * a grapheme boundary, so no emoji, accent or surrogate pair is split (Telegram refuses text that
   * is not valid UTF-8, and the message would be lost).
   */
  static String preview(String prompt) {
    if (prompt.length() <= PROMPT_PREVIEW) {
      return prompt;
    }
    java.text.BreakIterator graphemes = java.text.BreakIterator.getCharacterInstance(Locale.ROOT);
    graphemes.setText(prompt);
    int cut = graphemes.preceding(PROMPT_PREVIEW); // room for the ellipsis
    return prompt.substring(0, Math.max(cut, 0)) + "…";
  }

  static Locale locale(String languageCode) {
    if (languageCode == null) {
      return Locale.ENGLISH;
    }
    String language = languageCode.toLowerCase(Locale.ROOT).split("-")[0];
    return SUPPORTED.contains(language) ? Locale.of(language) : Locale.ENGLISH;
  }
}

package dev.nanogen.notifier.delivery;

import dev.nanogen.model.GenerationProcessingStarted;
import dev.nanogen.model.GenerationSettled;
import dev.nanogen.model.GenerationStatus;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.PaymentReceived;
import dev.nanogen.notifier.config.NotifierProperties;
import dev.nanogen.notifier.media.FileIds;
import dev.nanogen.notifier.media.RemoteFiles;
import dev.nanogen.notifier.telegram.TelegramBotApi;
import dev.nanogen.notifier.telegram.TelegramBotApi.FileMethod;
import dev.nanogen.notifier.telegram.TelegramBotApi.InputFile;
import dev.nanogen.notifier.telegram.TelegramBotApi.Sent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.springframework.stereotype.Component;

/**
 * Turns one settled generation into Bot API calls. Completed: the photo or the video with a caption
 * (several images as albums of up to ten); failed or cancelled: a text with the reason and the
 * credits returned. Files go by Telegram's size rules: a photo over the by-URL photo limit as a
 * document, a file over the by-URL limit downloaded and uploaded, a file over the upload limit as a
 * link. A file Telegram already has is named by its file_id.
 */
@Component
class SendNotice {
  static final int ALBUM_MAX = 10;

  private final TelegramBotApi telegram;
  private final NoticeText text;
  private final RemoteFiles files;
  private final FileIds fileIds;
  private final NotifierProperties.Media limits;

  SendNotice(
      TelegramBotApi telegram,
      NoticeText text,
      RemoteFiles files,
      FileIds fileIds,
      NotifierProperties properties) {
    this.telegram = telegram;
    this.text = text;
    this.files = files;
    this.fileIds = fileIds;
    this.limits = properties.media();
  }

  /**
   * Makes each Bot API call when the bot may send {@code messages} more; used after sizes are
   * probed and files downloaded, around the call alone, so that the pace Telegram sees is the pace
   * of the slots.
   */
  interface Pacer {
    <T> T paced(int messages, SendClock.Call<T> call) throws InterruptedException;
  }

  /**
   * Sends the notice, each call paced by {@code pacer}; answers the id of its first message. The
   * first message answers the chat message the generation's photo came in, when there is one.
   */
  long send(GenerationSettled notice, Pacer pacer) throws InterruptedException {
    long chat = notice.chatId();
    TelegramBotApi first = telegram.replyingTo(notice.replyTo());
    if (completedWithResult(notice)) {
      String caption = text.caption(notice);
      List<String> urls = notice.resultUrls();
      for (String url : urls) {
        files
            .refusal(url)
            .ifPresent(
                reason -> {
                  throw new UnsafeResult(reason);
                });
      }
      if (notice.kind() == ModelKind.VIDEO || urls.size() == 1) {
        return single(first, chat, notice.kind(), urls.getFirst(), caption, pacer).messageId();
      }
      long firstId = 0;
      for (int from = 0; from < urls.size(); from += ALBUM_MAX) {
        List<String> chunk = urls.subList(from, Math.min(urls.size(), from + ALBUM_MAX));
        TelegramBotApi bot = from == 0 ? first : telegram;
        long id =
            chunk.size() == 1
                ? single(bot, chat, ModelKind.IMAGE, chunk.getFirst(), null, pacer).messageId()
                : album(bot, chat, chunk, from == 0 ? caption : null, pacer);
        firstId = from == 0 ? id : firstId;
      }
      return firstId;
    }
    String message =
        notice.status() == GenerationStatus.CANCELLED
            ? text.cancelled(notice)
            : text.failed(notice);
    return pacer.paced(1, () -> first.sendMessage(chat, message)).messageId();
  }

  /** "Credits added": a short text. */
  long purchased(PaymentReceived notice, Pacer pacer) throws InterruptedException {
    String message = text.purchased(notice);
    return pacer.paced(1, () -> telegram.sendMessage(notice.chatId(), message)).messageId();
  }

  /** "Your generation started": a short text. */
  long started(GenerationProcessingStarted notice, Pacer pacer) throws InterruptedException {
    String message = text.started(notice);
    return pacer.paced(1, () -> telegram.sendMessage(notice.chatId(), message)).messageId();
  }

  private static boolean completedWithResult(GenerationSettled notice) {
    return notice.status() == GenerationStatus.COMPLETED
        && notice.resultUrls() != null
        && !notice.resultUrls().isEmpty();
  }

  private Sent single(
      TelegramBotApi bot, long chat, ModelKind kind, String url, String caption, Pacer pacer)
      throws InterruptedException {
    Optional<FileIds.Known> known = fileIds.of(url);
    if (known.isPresent()) {
      return pacer.paced(
          1,
          () ->
              bot.sendFile(
                  chat, known.get().method(), new InputFile.FileId(known.get().fileId()), caption));
    }
    long size = files.size(url).orElse(-1);
    FileMethod method =
        kind == ModelKind.VIDEO
            ? FileMethod.VIDEO
            : size > limits.photoByUrl().toBytes() ? FileMethod.DOCUMENT : FileMethod.PHOTO;
    long byUrlLimit =
        method == FileMethod.PHOTO ? limits.photoByUrl().toBytes() : limits.fileByUrl().toBytes();
    Sent sent;
    if (size <= byUrlLimit) {
      sent = pacer.paced(1, () -> bot.sendFile(chat, method, new InputFile.Url(url), caption));
    } else if (size <= limits.upload().toBytes()) {
      sent = upload(bot, chat, method, url, caption, pacer);
    } else {
      return pacer.paced(1, () -> bot.sendMessage(chat, text.link(caption, url)));
    }
    fileIds.remember(url, method, sent.fileId());
    return sent;
  }

  private Sent upload(
      TelegramBotApi bot, long chat, FileMethod method, String url, String caption, Pacer pacer)
      throws InterruptedException {
    Path file = download(url);
    try {
      return pacer.paced(
          1,
          () ->
              bot.sendFile(
                  chat, method, new InputFile.Upload(file, RemoteFiles.filename(url)), caption));
    } finally {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private Path download(String url) {
    try {
      return files.download(url, limits.upload().toBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("download of the result failed", e);
    }
  }

  /** 2–10 images as one album: photos when each fits the by-URL photo limit, else documents. */
  private long album(TelegramBotApi bot, long chat, List<String> urls, String caption, Pacer pacer)
      throws InterruptedException {
    List<Optional<FileIds.Known>> known = urls.stream().map(fileIds::of).toList();
    List<OptionalLong> sizes = new ArrayList<>();
    for (int i = 0; i < urls.size(); i++) {
      sizes.add(known.get(i).isPresent() ? OptionalLong.empty() : files.size(urls.get(i)));
    }
    boolean photos = sizes.stream().allMatch(s -> s.orElse(-1) <= limits.photoByUrl().toBytes());
    boolean byUrl = sizes.stream().allMatch(s -> s.orElse(-1) <= limits.fileByUrl().toBytes());
    if (!byUrl) {
      long first = 0;
      for (String url : urls) {
        long id =
            single(
                    first == 0 ? bot : telegram,
                    chat,
                    ModelKind.IMAGE,
                    url,
                    first == 0 ? caption : null,
                    pacer)
                .messageId();
        first = first == 0 ? id : first;
      }
      return first;
    }
    FileMethod method = photos ? FileMethod.PHOTO : FileMethod.DOCUMENT;
    List<String> media = new ArrayList<>();
    for (int i = 0; i < urls.size(); i++) {
      media.add(
          known
              .get(i)
              .filter(k -> k.method() == method)
              .map(FileIds.Known::fileId)
              .orElse(urls.get(i)));
    }
    List<Sent> sent =
        pacer.paced(
            urls.size(),
            () -> bot.sendMediaGroup(chat, photos ? "photo" : "document", media, caption));
    for (int i = 0; i < Math.min(sent.size(), urls.size()); i++) {
      fileIds.remember(urls.get(i), method, sent.get(i).fileId());
    }
    return sent.isEmpty() ? 0 : sent.getFirst().messageId();
  }

  /**
   * A result URL that must not be handed to Telegram (not https, a private host): never retried.
   */
  static final class UnsafeResult extends RuntimeException {
    UnsafeResult(String reason) {
      super("result URL refused: " + reason, null, false, false);
    }
  }
}

package dev.nanogen.gateway.uploads;

import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.ValidationFailed;
import dev.nanogen.ops.files.StoredFiles;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Takes an image in, from the Mini App or the bot: reads it by its content ({@link ImageFile}: at
 * most {@code max-bytes} read, the pixel cap checked on the header, location removed), then, in one
 * transaction, takes the user's upload slot for the day, keeps the bytes and records the upload.
 * Anything refused leaves nothing behind.
 */
@Component
public class AcceptUpload {
  private static final Logger log = LoggerFactory.getLogger(AcceptUpload.class);

  private final Uploads uploads;
  private final StoredFiles stored;
  private final TransactionTemplate tx;
  private final UploadProperties settings;
  private final Clock clock;

  AcceptUpload(
      Uploads uploads,
      StoredFiles stored,
      TransactionTemplate tx,
      UploadProperties settings,
      Clock clock) {
    this.uploads = uploads;
    this.stored = stored;
    this.tx = tx;
    this.settings = settings;
    this.clock = clock;
  }

  /** Where an upload came from. */
  public enum Source {
    APP,
    BOT;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Keeps the image {@code in} as an upload of {@code userId}.
   *
   * @param caption what the user wrote with a photo sent to the bot (null from the Mini App)
   */
  public Uploads.View accept(long userId, InputStream in, Source source, String caption) {
    return acceptOnce(userId, in, source, caption, null, () -> true).orElseThrow();
  }

  /**
   * {@link #accept} of a photo that came in {@code chatMessageId} (null: not from the chat), unless
   * {@code firstTime} (asked in the upload's transaction, after the image is read) says it was done
   * before: then nothing is kept and the answer is empty.
   */
  public Optional<Uploads.View> acceptOnce(
      long userId,
      InputStream in,
      Source source,
      String caption,
      Long chatMessageId,
      BooleanSupplier firstTime) {
    Path file = null;
    try {
      file = Files.createTempFile("nanogen-upload-", ".img");
      ImageFile.Probe probe;
      try (InputStream capped = new Capped(in, settings.maxBytes().toBytes())) {
        probe = ImageFile.clean(capped, file, settings.maxPixels());
      } catch (ImageFile.Refused e) {
        throw refusal(e);
      }
      long size = Files.size(file);
      Path kept = file;
      Instant now = clock.instant();
      Uploads.View view =
          tx.execute(
              status -> {
                if (!firstTime.getAsBoolean()) {
                  return null;
                }
                uploads.checkDay(userId, now);
                var fileId = stored.saveUpload(probe.contentType(), kept, size, now);
                return uploads.add(
                    new Uploads.New(
                        userId, fileId, probe, size, source.wire(), caption, chatMessageId, now));
              });
      if (view == null) {
        return Optional.empty();
      }
      log.debug(
          "upload {} kept: {} {}x{}, {} bytes",
          view.uploadId(),
          probe.contentType(),
          probe.width(),
          probe.height(),
          size);
      return Optional.of(view);
    } catch (IOException e) {
      throw new UncheckedIOException("an upload could not be read", e);
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          log.warn("temporary upload file {} not deleted: {}", file, e.toString());
        }
      }
    }
  }

  private static AppError refusal(ImageFile.Refused e) {
    return switch (e.why()) {
      case NOT_AN_IMAGE -> new AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, e.getMessage());
      case TOO_MANY_PIXELS -> new AppError(ErrorCode.PAYLOAD_TOO_LARGE, e.getMessage());
      case UNREADABLE -> ValidationFailed.of("file", e.getMessage());
    };
  }

  /** The upload, cut off with 413 as soon as it passes the cap. */
  private static final class Capped extends FilterInputStream {
    private final long max;
    private long count;

    Capped(InputStream in, long max) {
      super(in);
      this.max = max;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(n);
      count(skipped);
      return skipped;
    }

    private void count(long n) {
      count += n;
      if (count > max) {
        throw tooLarge(max);
      }
    }
  }

  static AppError tooLarge(long max) {
    return new AppError(ErrorCode.PAYLOAD_TOO_LARGE, "an upload is at most " + max + " bytes");
  }
}

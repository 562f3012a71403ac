package dev.nanogen.worker.files;

import com.zaxxer.hikari.HikariDataSource;
import dev.nanogen.ops.SingletonJobs;
import dev.nanogen.ops.fetch.GuardedFetch;
import dev.nanogen.ops.fetch.PublicUrls;
import dev.nanogen.ops.files.StoredFiles;
import dev.nanogen.worker.aiml.ProviderError;
import dev.nanogen.worker.config.WorkerProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Keeps every result of a generation in storage the project controls ({@link StoredFiles}) before
 * its outcome is published, and answers the gateway URL that serves it ({@code
 * <public-base-url>/files/<id>.<ext>}): a completed generation's results outlive the provider's
 * copy for the retention. A link is downloaded under the URL rules (https to a public host, at most
 * {@code max-bytes}, within the generation's deadline), inline bytes are written as they are. A
 * result over the cap, or one that cannot be fetched after three tries, fails the generation
 * (PROVIDER_BAD_RESULT), which releases its hold. Files past the retention are purged here, hourly.
 */
@Component
public class ResultFiles {
  private static final Logger log = LoggerFactory.getLogger(ResultFiles.class);
  static final int TRIES = 3;

  private final StoredFiles stored;
  private final GuardedFetch fetch;
  private final Clock clock;
  private final WorkerProperties.Files settings;
  private final MeterRegistry meters;

  private final SingletonJobs singletons;

  /**
   * Saves under way at once: no more than the pool's connections, so that a burst of results (a
   * worker holding thousands of videos that end together) waits its turn here, on virtual threads,
   * instead of failing on the pool's connection time-out.
   */
  private final Semaphore saving;

  ResultFiles(
      SingletonJobs singletons,
      StoredFiles stored,
      Clock clock,
      WorkerProperties properties,
      MeterRegistry meters,
      DataSource dataSource) {
    this.singletons = singletons;
    this.saving =
        new Semaphore(
            dataSource instanceof HikariDataSource pool ? pool.getMaximumPoolSize() : 1, true);
    this.stored = stored;
    this.clock = clock;
    this.settings = properties.files();
    this.meters = meters;
    this.fetch =
        new GuardedFetch(
            new PublicUrls(properties.fetch().allowPrivate()), properties.aiml().connectTimeout());
  }

  /**
   * Copies the result at {@code url}, by {@code deadline}, and answers its stored URL; with {@code
   * nanogen.files.copy=false} (a benchmark's comparison only) answers {@code url} itself.
   */
  public String keep(UUID generationId, String url, Instant deadline) {
    if (!settings.copy()) {
      return url;
    }
    return store(generationId, "link", file -> download(url, file, deadline));
  }

  /** Keeps bytes the provider answered inline and answers their stored URL. */
  public String keep(UUID generationId, byte[] content) {
    if (content.length > settings.maxBytes()) {
      throw ProviderError.badResult(
          "an inline result of "
              + content.length
              + " bytes is over the limit of "
              + settings.maxBytes());
    }
    return store(generationId, "inline", file -> Files.write(file, content));
  }

  private interface Fill {
    void into(Path file) throws IOException;
  }

  private String store(UUID generationId, String source, Fill fill) {
    long began = System.nanoTime();
    Path file = null;
    try {
      file = Files.createTempFile("nanogen-result-", ".bin");
      fill.into(file);
      long size = Files.size(file);
      String type = contentType(file);
      UUID id;
      saving.acquire();
      try {
        id = stored.save(generationId, type, file, size, clock.instant());
      } finally {
        saving.release();
      }
      Timer.builder("nanogen.worker.result.copies")
          .description("results copied to the project's storage, from a link or inline bytes")
          .tag("source", source)
          .tag("store", stored.store())
          .register(meters)
          .record(System.nanoTime() - began, java.util.concurrent.TimeUnit.NANOSECONDS);
      return settings.publicBaseUrl().replaceAll("/+$", "") + "/files/" + id + extension(type);
    } catch (IOException e) {
      throw new UncheckedIOException("could not keep a result of generation " + generationId, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while keeping a result", e);
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          log.warn("temporary result file {} not deleted: {}", file, e.toString());
        }
      }
    }
  }

  private void download(String url, Path file, Instant deadline) throws IOException {
    for (int attempt = 1; ; attempt++) {
      Duration left = Duration.between(clock.instant(), deadline);
      if (left.isNegative() || left.isZero()) {
        throw ProviderError.badResult("the deadline passed before the result was copied");
      }
      try (OutputStream out = Files.newOutputStream(file)) {
        fetch.download(url, settings.maxBytes(), left, out);
        return;
      } catch (GuardedFetch.Refused e) {
        // A refused URL or redirect, a file over the cap, the deadline: not tried again.
        throw ProviderError.badResult("result not copied: " + e.getMessage());
      } catch (IOException e) {
        if (attempt >= TRIES) {
          throw ProviderError.badResult(
              "result not copied after " + TRIES + " tries: " + e.getMessage());
        }
        log.info("copy of a result failed (try {} of {}): {}", attempt, TRIES, e.toString());
        sleep(Duration.ofSeconds(attempt));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while copying a result", e);
      }
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while copying a result", e);
    }
  }

  @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
  void scheduledPurge() {
    // Once per interval over all replicas: the others find the lock taken and skip.
    singletons.run("worker-result-files-purge", Duration.ofMinutes(50), this::purge);
  }

  void purge() {
    Instant before = clock.instant().minus(settings.retention());
    int purged;
    int total = 0;
    do {
      purged = stored.purge(before, 500);
      total += purged;
    } while (purged == 500);
    if (total > 0) {
      log.info("purged {} result files older than {}", total, settings.retention());
    }
  }

  /** By the file's own first bytes: what providers send is PNG, JPEG, WebP, GIF or MP4. */
  static String contentType(Path file) throws IOException {
    byte[] head = new byte[12];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    return contentType(java.util.Arrays.copyOf(head, n));
  }

  static String contentType(byte[] content) {
    if (startsWith(content, 0, 0x89, 'P', 'N', 'G')) {
      return "image/png";
    }
    if (startsWith(content, 0, 0xFF, 0xD8, 0xFF)) {
      return "image/jpeg";
    }
    if (startsWith(content, 0, 'R', 'I', 'F', 'F') && startsWith(content, 8, 'W', 'E', 'B', 'P')) {
      return "image/webp";
    }
    if (startsWith(content, 0, 'G', 'I', 'F', '8')) {
      return "image/gif";
    }
    if (startsWith(content, 4, 'f', 't', 'y', 'p')) {
      return "video/mp4";
    }
    return "application/octet-stream";
  }

  private static String extension(String type) {
    return switch (type) {
      case "image/png" -> ".png";
      case "image/jpeg" -> ".jpg";
      case "image/webp" -> ".webp";
      case "image/gif" -> ".gif";
      case "video/mp4" -> ".mp4";
      default -> "";
    };
  }

  private static boolean startsWith(byte[] content, int offset, int... magic) {
    if (content.length < offset + magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((content[offset + i] & 0xFF) != magic[i]) {
        return false;
      }
    }
    return true;
  }
}

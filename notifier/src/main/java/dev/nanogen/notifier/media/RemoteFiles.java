package dev.nanogen.notifier.media;

import dev.nanogen.notifier.config.NotifierProperties;
import dev.nanogen.ops.fetch.GuardedFetch;
import dev.nanogen.ops.fetch.PublicUrls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.springframework.stereotype.Component;

/**
 * Result files as the provider (or the gateway) serves them: their size, learned with a HEAD
 * request, and their bytes, downloaded to a temporary file when Telegram cannot fetch them by URL.
 * Every URL and redirect passes {@link PublicUrls} (https, public hosts;
 * NANOGEN_FETCH_ALLOW_PRIVATE for local stacks), and every download has a deadline and a size cap
 * ({@link GuardedFetch}).
 */
@Component
public class RemoteFiles {
  private final PublicUrls urls;
  private final GuardedFetch fetch;
  private final Duration probeTimeout;
  private final Duration downloadTimeout;

  RemoteFiles(NotifierProperties properties) {
    this.probeTimeout = properties.media().probeTimeout();
    this.downloadTimeout = properties.telegram().uploadTimeout();
    this.urls = new PublicUrls(properties.fetch().allowPrivate());
    this.fetch = new GuardedFetch(urls, probeTimeout);
  }

  /** Why a result URL must not be handed to anyone (Telegram included), or empty. */
  public Optional<String> refusal(String url) {
    return urls.refusal(url);
  }

  /** The Content-Length the server announces, or empty when it does not say or cannot be asked. */
  public OptionalLong size(String url) {
    return fetch.size(url, probeTimeout);
  }

  /**
   * Downloads at most {@code limit} bytes into a temporary file the caller deletes.
   *
   * @throws IOException when the file cannot be fetched, is refused, is larger than {@code limit}
   *     or does not arrive within the upload time-out
   */
  public Path download(String url, long limit) throws IOException {
    Path file = Files.createTempFile("nanogen-upload-", ".part");
    try (OutputStream out = Files.newOutputStream(file)) {
      fetch.download(url, limit, downloadTimeout, out);
      return file;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      throw e;
    } catch (InterruptedException e) {
      Files.deleteIfExists(file);
      Thread.currentThread().interrupt();
      throw new IOException("download interrupted", e);
    }
  }

  /** The last path segment of a URL, for naming an uploaded file. */
  public static String filename(String url) {
    String path = URI.create(url).getPath();
    String name = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
    return name.isBlank() ? "result" : name;
  }
}

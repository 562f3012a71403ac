package dev.nanogen.notifier.media;

import dev.nanogen.notifier.config.NotifierProperties;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import org.springframework.stereotype.Component;

/**
 * Result files as the provider (or the gateway) serves them: their size, learned with a HEAD
 * request, and their bytes, downloaded to a temporary file when Telegram cannot fetch them by URL.
 */
@Component
public class RemoteFiles {
  private final HttpClient http;
  private final Duration probeTimeout;
  private final Duration downloadTimeout;

  RemoteFiles(NotifierProperties properties) {
    this.probeTimeout = properties.media().probeTimeout();
    this.downloadTimeout = properties.telegram().uploadTimeout();
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(probeTimeout)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  /** The Content-Length the server announces, or empty when it does not say or cannot be asked. */
  public OptionalLong size(String url) {
    try {
      HttpRequest head =
          HttpRequest.newBuilder(URI.create(url)).method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(probeTimeout).build();
      HttpResponse<Void> response = http.send(head, HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() / 100 != 2) {
        return OptionalLong.empty();
      }
      return response.headers().firstValueAsLong("Content-Length");
    } catch (IOException | IllegalArgumentException e) {
      return OptionalLong.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalLong.empty();
    }
  }

  /**
   * Downloads at most {@code limit} bytes into a temporary file the caller deletes.
   *
   * @throws IOException when the file cannot be fetched or is larger than {@code limit}
   */
  public Path download(String url, long limit) throws IOException {
    Path file = Files.createTempFile("nanogen-upload-", ".part");
    try {
      HttpRequest get = HttpRequest.newBuilder(URI.create(url)).timeout(downloadTimeout).GET().build();
      HttpResponse<InputStream> response = http.send(get, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(file)) {
        if (response.statusCode() / 100 != 2) {
          throw new IOException("download answered " + response.statusCode());
        }
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
          total += n;
          if (total > limit) {
            throw new IOException("file is larger than " + limit + " bytes");
          }
          out.write(buffer, 0, n);
        }
      }
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

package dev.nanogen.ops.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fetches URLs that came from outside without letting them reach inside: every URL (and every
 * redirect, followed by hand, at most {@link #MAX_REDIRECTS}) is checked by {@link PublicUrls} with
 * its host resolved; a download has an overall deadline — a body that drips is cut off, not waited
 * on — and a size cap.
 */
public final class GuardedFetch {
  public static final int MAX_REDIRECTS = 3;

  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("fetch-deadline").factory());

  private final PublicUrls urls;
  private final HttpClient http;

  public GuardedFetch(PublicUrls urls, Duration connectTimeout) {
    this.urls = urls;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** A URL refused before or during a fetch, or a download over its cap or past its deadline. */
  public static final class Refused extends IOException {
    public Refused(String message) {
      super(message);
    }
  }

  /**
   * The Content-Length a HEAD request announces, or empty when the server does not say or fails.
   */
  public OptionalLong size(String url, Duration deadline) {
    try {
      HttpResponse<Void> response =
          follow(url, deadline, "HEAD", HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() / 100 != 2) {
        return OptionalLong.empty();
      }
      return response.headers().firstValueAsLong("Content-Length");
    } catch (IOException e) {
      return OptionalLong.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalLong.empty();
    }
  }

  /**
   * Copies the body of a GET into {@code out}: at most {@code limit} bytes, all of it within {@code
   * deadline} from now.
   *
   * @return the bytes copied
   * @throws Refused a refused URL or redirect, a body over the limit, or the deadline passed
   * @throws IOException the server failed or answered other than 2xx
   */
  public long download(String url, long limit, Duration deadline, OutputStream out)
      throws IOException, InterruptedException {
    long until = System.nanoTime() + deadline.toNanos();
    HttpResponse<InputStream> response =
        follow(url, deadline, "GET", HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = response.body()) {
      if (response.statusCode() / 100 != 2) {
        throw new IOException("download answered " + response.statusCode());
      }
      if (response.headers().firstValueAsLong("Content-Length").orElse(0) > limit) {
        throw new Refused("file is larger than " + limit + " bytes");
      }
      long left = until - System.nanoTime();
      if (left <= 0) {
        throw new Refused("download deadline of " + deadline + " passed");
      }
      // Closing the body aborts the exchange and wakes a read blocked on a dripping server.
      ScheduledFuture<?> cut =
          WATCHDOG.schedule(() -> closeQuietly(in), left, TimeUnit.NANOSECONDS);
      try {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
          total += n;
          if (total > limit) {
            throw new Refused("file is larger than " + limit + " bytes");
          }
          out.write(buffer, 0, n);
        }
        return total;
      } catch (IOException e) {
        if (System.nanoTime() - until >= 0 || cut.isDone()) {
          throw new Refused("download deadline of " + deadline + " passed");
        }
        throw e;
      } finally {
        cut.cancel(false);
      }
    }
  }

  private <T> HttpResponse<T> follow(
      String url, Duration deadline, String method, HttpResponse.BodyHandler<T> body)
      throws IOException, InterruptedException {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new Refused("not a URL");
    }
    for (int hop = 0; ; hop++) {
      var refusal = urls.resolvedRefusal(uri);
      if (refusal.isPresent()) {
        throw new Refused((hop == 0 ? "URL refused: " : "redirect refused: ") + refusal.get());
      }
      HttpRequest request =
          HttpRequest.newBuilder(uri)
              .timeout(deadline)
              .method(method, HttpRequest.BodyPublishers.noBody())
              .build();
      HttpResponse<T> response = http.send(request, body);
      int status = response.statusCode();
      if (status < 300 || status >= 400 || status == 304) {
        return response;
      }
      String location = response.headers().firstValue("Location").orElse(null);
      if (response.body() instanceof AutoCloseable closeable) {
        closeQuietly(closeable);
      }
      if (location == null || hop >= MAX_REDIRECTS) {
        throw new Refused(
            location == null
                ? "a redirect without a Location"
                : "more than " + MAX_REDIRECTS + " redirects");
      }
      try {
        uri = uri.resolve(location);
      } catch (IllegalArgumentException e) {
        throw new Refused("redirect to something that is not a URL");
      }
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception ignored) {
      // closing only to stop the exchange
    }
  }
}

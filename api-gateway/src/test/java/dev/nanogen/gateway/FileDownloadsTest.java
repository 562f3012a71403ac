package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * /files against clients that read slowly or not at all, over raw sockets: slow readers hold no
 * shared thread, a download that stops moving ends after the idle time-out while one that keeps
 * moving is never cut, HEAD reads no bytes and takes no download slot, and one client address has a
 * bounded number of downloads and of unknown names.
 */
@TestPropertySource(
    properties = {
      "server.tomcat.connection-timeout=3s",
      "nanogen.files.downloads-per-client=3",
      "nanogen.files.misses-per-minute=5"
    })
class FileDownloadsTest extends IntegrationTest {
  private static final int LARGE = 24 * 1024 * 1024;

  @Autowired MeterRegistry meters;

  private static UUID large;

  @BeforeEach
  void files() throws IOException {
    createFilesSchema();
    if (large == null) {
      byte[] bytes = new byte[LARGE];
      new Random(1).nextBytes(bytes);
      large = storeFile("video/mp4", bytes);
    }
  }

  @Test
  void twelve_slow_readers_do_not_stall_another_download() throws Exception {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 4, 2};
    UUID small = storeFile("image/png", png);
    List<Reader> readers = new ArrayList<>();
    try {
      for (int i = 0; i < 12; i++) {
        Reader reader = Reader.open(port, large, "198.51.100." + (10 + i));
        // 16 KiB every 200 ms: moving (never idle), and far from done while the test runs.
        CompletableFuture.runAsync(() -> reader.readAll(16 * 1024, 200));
        readers.add(reader);
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> active() >= 12);

      HttpResponse<byte[]> download =
          http.send(
              HttpRequest.newBuilder(uri("/files/" + small + ".png"))
                  .timeout(Duration.ofSeconds(20))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());

      assertThat(download.statusCode()).isEqualTo(200);
      assertThat(download.body()).isEqualTo(png);
      assertThat(readers).allSatisfy(r -> assertThat(r.finished.isDone()).isFalse());
      assertThat(active()).as("the slow readers are all still reading").isGreaterThanOrEqualTo(12);
    } finally {
      readers.forEach(Reader::close);
    }
  }

  @Test
  void a_download_that_stops_moving_ends_after_the_idle_timeout_and_a_moving_one_is_never_cut()
      throws Exception {
    double before = active();
    Reader stalled = Reader.open(port, large, "198.51.100.40");
    Reader moving = Reader.open(port, large, "198.51.100.41");
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> active() >= before + 2);
      // A steady reader: 256 KiB every 100 ms, 10 s for the file, over three idle time-outs.
      CompletableFuture<Long> whole =
          CompletableFuture.supplyAsync(() -> moving.readAll(256 * 1024, 100));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> active() <= before + 1); // the stalled one was ended
      assertThat(whole.get().longValue()).isEqualTo(LARGE);
      await().atMost(Duration.ofSeconds(10)).until(() -> active() <= before);
    } finally {
      stalled.close();
      moving.close();
    }
  }

  @Test
  void head_reads_no_bytes_and_a_client_has_a_bounded_number_of_downloads() throws Exception {
    String client = "198.51.100.60";
    List<Reader> held = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Reader reader = Reader.open(port, large, client);
        CompletableFuture.runAsync(() -> reader.readAll(16 * 1024, 200));
        held.add(reader);
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> active() >= 3);

      HttpResponse<String> fourth = fetch("GET", "/files/" + large + ".mp4", client);
      HttpResponse<String> head = fetch("HEAD", "/files/" + large + ".mp4", client);
      HttpResponse<String> elsewhere = fetch("HEAD", "/files/" + large + ".mp4", "198.51.100.61");

      assertThat(fourth.statusCode()).isEqualTo(429);
      assertThat(fourth.headers().firstValue("Content-Type").orElse(""))
          .startsWith("application/problem+json");
      assertThat(fourth.headers().firstValue("Retry-After")).isPresent();
      assertThat(head.statusCode()).as("HEAD takes no download slot").isEqualTo(200);
      assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(LARGE);
      assertThat(head.headers().firstValue("Content-Type")).hasValue("video/mp4");
      assertThat(elsewhere.statusCode()).isEqualTo(200);
    } finally {
      held.forEach(Reader::close);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> active() == 0);
    assertThat(fetch("HEAD", "/files/" + large + ".mp4", client).statusCode()).isEqualTo(200);
  }

  @Test
  void a_client_guessing_names_is_refused_without_a_lookup_after_a_few() throws Exception {
    String guesser = "198.51.100.80";
    for (int i = 0; i < 5; i++) {
      assertThat(fetch("GET", "/files/" + UUID.randomUUID() + ".png", guesser).statusCode())
          .isEqualTo(404);
    }
    HttpResponse<String> throttled = fetch("GET", "/files/" + UUID.randomUUID() + ".png", guesser);
    HttpResponse<String> other = fetch("HEAD", "/files/" + large + ".mp4", "198.51.100.81");

    assertThat(throttled.statusCode()).isEqualTo(429);
    assertThat(throttled.headers().firstValue("Retry-After")).isPresent();
    assertThat(other.statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> fetch(String method, String path, String client) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .header("X-Forwarded-For", client)
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private double active() {
    return meters.get("nanogen.files.downloads.active").gauge().value();
  }

  /**
   * A download over a raw socket with a small receive window, so that what it does not read holds
   * the server's write: reads the headers, then nothing until told.
   */
  static final class Reader {
    private final Socket socket;
    private final InputStream in;
    final CompletableFuture<Void> finished = new CompletableFuture<>();

    private Reader(Socket socket) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
    }

    static Reader open(int port, UUID file, String client) throws IOException {
      Socket socket = new Socket();
      socket.setReceiveBufferSize(16 * 1024);
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /files/"
                  + file
                  + ".mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: "
                  + client
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Reader reader = new Reader(socket);
      String headers = reader.headers();
      assertThat(headers).startsWith("HTTP/1.1 200");
      return reader;
    }

    private String headers() throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("closed before the headers ended");
        }
        head.write(b);
      }
      return head.toString(StandardCharsets.US_ASCII);
    }

    /** Reads the rest, {@code chunk} bytes every {@code pauseMillis}; answers the bytes read. */
    long readAll(int chunk, long pauseMillis) {
      long total = 0;
      try {
        byte[] buffer = new byte[chunk];
        while (true) {
          int n = in.readNBytes(buffer, 0, chunk);
          total += n;
          if (n < chunk) {
            return total;
          }
          Thread.sleep(pauseMillis);
        }
      } catch (IOException e) {
        return total;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return total;
      } finally {
        finished.complete(null);
      }
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing: nothing to do
      }
      finished.complete(null);
    }
  }
}

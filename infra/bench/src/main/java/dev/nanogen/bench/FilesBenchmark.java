package dev.nanogen.bench;

import dev.nanogen.local.LocalStack;
import dev.nanogen.local.StackSettings;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * /files under slow readers (the gateway alone, on the local stack's database): {@code readers}
 * clients, each from an address of its own, read one 30 MB result at 80 KiB/s; meanwhile {@code
 * downloads} downloads of a small result and HEADs of the large one are timed one after another.
 * Prints their p50 and max and whether every one answered. Usage: {@code FilesBenchmark
 * [readers=12] [downloads=50]}; see infra/bin/bench-files.
 */
public final class FilesBenchmark {
  private static final int LARGE = 30 * 1024 * 1024;

  private FilesBenchmark() {}

  public static void main(String[] args) throws Exception {
    int readers = args.length > 0 ? Integer.parseInt(args[0]) : 12;
    int downloads = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    try (LocalStack stack = BenchStack.start(List.of("api-gateway"))) {
      run(stack, readers, downloads);
    }
    System.exit(0);
  }

  private static void run(LocalStack stack, int readers, int downloads) throws Exception {
    StackSettings.Database db = stack.database();
    Path repository = Path.of(System.getProperty("nanogen.repository", ".")).toAbsolutePath();
    UUID large = UUID.randomUUID();
    UUID small = UUID.randomUUID();
    try (Connection c = DriverManager.getConnection(db.url(), db.username(), db.password())) {
      c.createStatement().execute("CREATE SCHEMA IF NOT EXISTS files");
      for (String migration :
          List.of(
              "V1__result_files.sql",
              "V2__result_files_stored_uncompressed.sql",
              "V3__result_files_in_any_store.sql",
              "V5__uploaded_files.sql")) {
        c.createStatement()
            .execute(
                "SET search_path TO files; "
                    + Files.readString(
                        repository.resolve(
                            "generation-worker/src/main/resources/db/files/" + migration))
                    + "; SET search_path TO public");
      }
      byte[] bytes = new byte[LARGE];
      new Random(1).nextBytes(bytes);
      insert(c, large, "video/mp4", bytes);
      insert(c, small, "image/png", Arrays.copyOf(bytes, 2048));
    }
    String base = stack.gatewayUrl();
    URI gateway = URI.create(base);
    List<Socket> slow = new ArrayList<>();
    List<Thread> reading = new ArrayList<>();
    for (int i = 0; i < readers; i++) {
      Socket socket = new Socket();
      socket.setReceiveBufferSize(16 * 1024);
      socket.connect(new InetSocketAddress(gateway.getHost(), gateway.getPort()));
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /files/"
                  + large
                  + ".mp4 HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100."
                  + (i % 250 + 1)
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      slow.add(socket);
      reading.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    byte[] chunk = new byte[16 * 1024];
                    try (InputStream in = socket.getInputStream()) {
                      while (in.readNBytes(chunk, 0, chunk.length) > 0) {
                        Thread.sleep(200);
                      }
                    } catch (Exception e) {
                      // closed at the end
                    }
                  }));
    }
    Thread.sleep(3_000); // every reader has its download under way
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(20))
            .build();
    long[] get = new long[downloads];
    long[] head = new long[downloads];
    int failed = 0;
    for (int i = 0; i < downloads; i++) {
      long t0 = System.nanoTime();
      HttpResponse<byte[]> answer =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/files/" + small + ".png"))
                  .timeout(Duration.ofSeconds(20))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      get[i] = System.nanoTime() - t0;
      long t1 = System.nanoTime();
      HttpResponse<Void> headAnswer =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/files/" + large + ".mp4"))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody())
                  .timeout(Duration.ofSeconds(20))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      head[i] = System.nanoTime() - t1;
      if (answer.statusCode() != 200
          || answer.body().length != 2048
          || headAnswer.statusCode() != 200) {
        failed++;
      }
    }
    for (Socket socket : slow) {
      socket.close();
    }
    for (Thread thread : reading) {
      thread.join(5_000);
    }
    System.out.printf(
        "files: %d slow readers of a 30 MB result; %d small downloads p50 %.1f ms max %.1f ms;"
            + " HEAD of the 30 MB result p50 %.1f ms max %.1f ms; %d failed%n",
        readers,
        downloads,
        percentile(get, 50),
        percentile(get, 100),
        percentile(head, 50),
        percentile(head, 100),
        failed);
    BenchmarkTable.record(
        BenchmarkTable.FILES,
        "infra/bin/bench-files " + readers + " " + downloads,
        String.format(
            java.util.Locale.ROOT,
            "small downloads p50 %.1f ms, max %.1f ms; HEAD p50 %.1f ms, max %.1f ms; %d failed; the"
                + " slowest",
            percentile(get, 50),
            percentile(get, 100),
            percentile(head, 50),
            percentile(head, 100),
            failed),
        failed == 0
            ? Math.round(Math.max(percentile(get, 100), percentile(head, 100)) * 100) / 100.0
            : null);
  }

  private static void insert(Connection c, UUID id, String type, byte[] content) throws Exception {
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO files.result_files (id, generation_id, content_type, size, content)"
                + " VALUES (?, ?, ?, ?, ?)")) {
      insert.setObject(1, id);
      insert.setObject(2, UUID.randomUUID());
      insert.setString(3, type);
      insert.setLong(4, content.length);
      insert.setBytes(5, content);
      insert.executeUpdate();
    }
  }

  private static double percentile(long[] nanos, int p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int index = Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1);
    return sorted[Math.max(index, 0)] / 1e6;
  }
}

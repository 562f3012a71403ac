package dev.nanogen.ops.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nanogen.testkit.TestInfra;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Kept files in both stores: in PostgreSQL, and in an S3 bucket served by a real S3 API
 * implementation (s3proxy, from Maven Central, on a filesystem backend, in a process of its own):
 * saved, found, read whole and by range, purged after their time — bytes and row alike.
 */
class StoredFilesTest {
  static final String BUCKET = "nanogen-results";
  private static Process s3proxy;
  private static JdbcClient jdbc;
  private static FileStorage s3Settings;

  @BeforeAll
  static void start() throws Exception {
    TestInfra.Database db = TestInfra.freshDatabase("nanogen_files_test");
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(db.url());
    dataSource.setUser(db.username());
    dataSource.setPassword(db.password());
    jdbc = JdbcClient.create(dataSource);
    jdbc.sql("CREATE SCHEMA IF NOT EXISTS files").update();
    try (Stream<Path> migrations =
        Files.list(Path.of("../generation-worker/src/main/resources/db/files"))) {
      for (Path migration : migrations.sorted().toList()) {
        jdbc.sql(
                "SET search_path TO files; "
                    + Files.readString(migration)
                    + "; SET search_path TO public")
            .update();
      }
    }

    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path base = Files.createTempDirectory("s3proxy");
    Path conf = base.resolve("s3proxy.conf");
    Files.writeString(
        conf,
        String.join(
            "\n",
            "s3proxy.endpoint=http://127.0.0.1:" + port,
            "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=test-access",
            "s3proxy.credential=test-secret",
            "jclouds.provider=filesystem",
            "jclouds.filesystem.basedir=" + Files.createDirectories(base.resolve("data"))));
    String java = ProcessHandle.current().info().command().orElse("java");
    s3proxy =
        new ProcessBuilder(
                java, "-jar", "target/s3proxy/s3proxy.jar", "--properties", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(base.resolve("s3proxy.log").toFile())
            .start();
    Path log = base.resolve("s3proxy.log");
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .failFast("s3proxy exited; its log: " + log, () -> !s3proxy.isAlive())
        .until(() -> listening(port));
    s3Settings =
        new FileStorage(
            BUCKET,
            "http://127.0.0.1:" + port,
            "us-east-1",
            "test-access",
            "test-secret",
            true,
            "results/");
    try (S3Client client = s3Settings.client()) {
      client.createBucket(create -> create.bucket(BUCKET));
    }
  }

  private static boolean listening(int port) {
    try (Socket ignored = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @AfterAll
  static void stop() {
    if (s3proxy != null) {
      s3proxy.destroy();
    }
  }

  static Stream<Arguments> stores() {
    return Stream.of(Arguments.of("postgres"), Arguments.of("s3"));
  }

  private static StoredFiles files(String store) {
    return "s3".equals(store)
        ? new StoredFiles(jdbc, s3Settings, s3Settings.client())
        : new StoredFiles(
            jdbc, new FileStorage(null, null, "us-east-1", null, null, true, "results/"), null);
  }

  @ParameterizedTest
  @MethodSource("stores")
  void a_file_is_kept_read_whole_and_by_range_and_purged_after_its_time(String store)
      throws Exception {
    StoredFiles files = files(store);
    byte[] content = new byte[700_000]; // more than two PostgreSQL slices
    new Random(store.hashCode()).nextBytes(content);
    Path source = Files.createTempFile("result", ".bin");
    Files.write(source, content);
    UUID generation = UUID.randomUUID();
    Instant old = Instant.now().minus(Duration.ofDays(31));

    UUID id = files.save(generation, "video/mp4", source, content.length, old);
    UUID recent = files.save(generation, "video/mp4", source, content.length, Instant.now());

    StoredFiles.StoredFile file = files.find(id).orElseThrow();
    assertThat(file.store()).isEqualTo(store);
    assertThat(file.size()).isEqualTo(content.length);
    assertThat(file.contentType()).isEqualTo("video/mp4");
    try (InputStream whole = files.open(file, 0, content.length)) {
      assertThat(whole.readAllBytes()).isEqualTo(content);
    }
    try (InputStream part = files.open(file, 262_000, 300_000)) {
      assertThat(part.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, 262_000, 562_000));
    }
    if ("s3".equals(store)) {
      try (S3Client client = s3Settings.client()) {
        assertThat(
                client.headObject(head -> head.bucket(BUCKET).key("results/" + id)).contentLength())
            .isEqualTo(content.length);
      }
      assertThat(
              jdbc.sql("SELECT content IS NULL FROM files.result_files WHERE id = :id")
                  .param("id", id)
                  .query(Boolean.class)
                  .single())
          .as("the bytes are in the bucket, not the row")
          .isTrue();
    }

    int purged = files.purge(Instant.now().minus(Duration.ofDays(30)), 1000);

    assertThat(purged).isGreaterThanOrEqualTo(1);
    assertThat(files.find(id)).isEmpty();
    assertThat(files.find(recent)).isPresent();
    if ("s3".equals(store)) {
      try (S3Client client = s3Settings.client()) {
        assertThatThrownBy(
                () -> client.headObject(head -> head.bucket(BUCKET).key("results/" + id)))
            .isInstanceOf(software.amazon.awssdk.services.s3.model.S3Exception.class);
        assertThat(
                client
                    .headObject(head -> head.bucket(BUCKET).key("results/" + recent))
                    .contentLength())
            .isEqualTo(content.length);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  void a_file_of_the_other_store_stays_readable_after_a_switch(String store) throws Exception {
    String other = "s3".equals(store) ? "postgres" : "s3";
    Path source = Files.createTempFile("result", ".png");
    byte[] content = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
    Files.write(source, content);
    UUID id =
        files(other).save(UUID.randomUUID(), "image/png", source, content.length, Instant.now());

    StoredFiles.StoredFile file = files(store).find(id).orElseThrow();
    assertThat(file.store()).isEqualTo(other);
    if ("postgres".equals(store)) {
      // Configured without a bucket, a file kept in S3 cannot be read: said plainly.
      assertThatThrownBy(() -> files(store).open(file, 0, content.length))
          .hasMessageContaining("nanogen.files.s3.bucket");
    } else {
      try (InputStream in = files(store).open(file, 0, content.length)) {
        assertThat(in.readAllBytes()).isEqualTo(content);
      }
    }
  }
}

package dev.nanogen.bench;

import dev.nanogen.local.LocalStack;
import dev.nanogen.local.StackSettings;
import dev.nanogen.model.Topics;
import dev.nanogen.testkit.InitDataSigner;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/** Starts the local stack with its own fresh state for one benchmark run. */
final class BenchStack {
  private BenchStack() {}

  static LocalStack start(List<String> services) throws IOException {
    return start(services, "nanogen_bench", 1_000_000);
  }

  /** The stack on a fresh database {@code database}, users getting {@code signupBonus} credits. */
  static LocalStack start(List<String> services, String database, long signupBonus)
      throws IOException {
    Path repository =
        Path.of(System.getProperty("nanogen.repository", ".")).toAbsolutePath().normalize();
    StackSettings defaults = StackSettings.fromEnvironment(repository);
    Path home = Files.createTempDirectory("nanogen-bench");
    StackSettings settings =
        new StackSettings(
            repository,
            home,
            freshDatabase(defaults, database),
            defaults.gatewayPort(),
            defaults.workerPort(),
            defaults.notifierPort(),
            defaults.kafkaPort(),
            defaults.kafkaControllerPort(),
            defaults.embeddedPostgresPort() + 1,
            defaults.sandboxPort(),
            defaults.telegramPort(),
            defaults.botToken(),
            defaults.aimlApiKey(),
            signupBonus);
    System.out.println("starting the local stack (state in " + home + ") …");
    LocalStack stack = LocalStack.start(settings, services);
    System.out.println("PostgreSQL: " + stack.databaseDescription());
    return stack;
  }

  /**
   * A new, empty database {@code nanogen_bench} on the machine's PostgreSQL when it answers (so
   * runs are comparable); else null, and the launcher provisions an embedded one in the fresh home.
   */
  private static StackSettings.Database freshDatabase(StackSettings defaults, String name) {
    if (defaults.database() != null) {
      return defaults.database();
    }
    String admin = "jdbc:postgresql://127.0.0.1:5432/postgres";
    try (Connection connection = DriverManager.getConnection(admin, "postgres", "");
        Statement statement = connection.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      statement.execute("CREATE DATABASE " + name);
      return new StackSettings.Database("jdbc:postgresql://127.0.0.1:5432/" + name, "postgres", "");
    } catch (SQLException e) {
      return null;
    }
  }

  /**
   * Signs in users {@code firstUser} … {@code firstUser + users − 1} (GET /api/me creates each with
   * the signup bonus), 200 at a time; answers their {@code Authorization: tma …} headers.
   */
  static List<String> signIn(LocalStack stack, HttpClient http, long firstUser, int users)
      throws Exception {
    InitDataSigner signer = new InitDataSigner(StackSettings.LOCAL_BOT_TOKEN);
    List<String> auth = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      auth.add("tma " + signer.sign(firstUser + u, "Bench", "en"));
    }
    URI me = URI.create(stack.gatewayUrl() + "/api/me");
    for (int from = 0; from < users; from += 200) {
      List<CompletableFuture<HttpResponse<Void>>> calls = new ArrayList<>();
      for (String header : auth.subList(from, Math.min(users, from + 200))) {
        calls.add(
            http.sendAsync(
                HttpRequest.newBuilder(me).header("Authorization", header).build(),
                HttpResponse.BodyHandlers.discarding()));
      }
      for (CompletableFuture<HttpResponse<Void>> call : calls) {
        if (call.get().statusCode() != 200) {
          throw new IllegalStateException("sign-in answered " + call.get().statusCode());
        }
      }
    }
    return auth;
  }

  /** Event records as the services write them: snake_case JSON. */
  static final JsonMapper JSON =
      JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

  /** A producer that puts events straight on the stack's topics, as a service would (acks=all). */
  static KafkaProducer<String, String> producer(LocalStack stack) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            stack.kafkaBootstrap(),
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.LINGER_MS_CONFIG,
            5,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class));
  }

  /**
   * {@code event} as a record on {@code topic}, keyed by {@code key}, with its event-type header.
   */
  static ProducerRecord<String, String> event(String topic, String key, Record event) {
    ProducerRecord<String, String> record =
        new ProducerRecord<>(topic, key, JSON.writeValueAsString(event));
    record
        .headers()
        .add(
            Topics.EVENT_TYPE_HEADER,
            event.getClass().getSimpleName().getBytes(StandardCharsets.UTF_8));
    return record;
  }

  /** The middle value of {@code values} (the upper one of the two middles for an even count). */
  static <T extends Comparable<? super T>> T median(List<T> values) {
    List<T> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  /**
   * CPU time used so far (user + system, in clock ticks) by the stack's api-gateway and Kafka
   * broker, by every PostgreSQL process on the machine, and by this benchmark process.
   */
  static Map<String, Long> cpuTicks(LocalStack stack) throws IOException {
    Map<String, Long> ticks = new java.util.LinkedHashMap<>();
    ticks.put("gateway", stack.process("api-gateway").map(p -> cpuTicks(p.pid())).orElse(0L));
    long postgres = 0;
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          if (Files.readString(proc.resolve("comm")).strip().equals("postgres")) {
            postgres += cpuTicks(Long.parseLong(proc.getFileName().toString()));
          }
        } catch (IOException | RuntimeException gone) {
          // exited meanwhile
        }
      }
    }
    ticks.put("postgres", postgres);
    ticks.put("broker", stack.process("kafka").map(p -> cpuTicks(p.pid())).orElse(0L));
    ticks.put("bench", cpuTicks(ProcessHandle.current().pid()));
    return ticks;
  }

  /** Microseconds of CPU per item, by process, between two {@link #cpuTicks} readings. */
  static String cpuPer(Map<String, Long> before, Map<String, Long> after, long items) {
    StringBuilder out = new StringBuilder();
    long total = 0;
    for (String name : before.keySet()) {
      long used = after.get(name) - before.get(name);
      total += used;
      out.append(String.format("%s %.1f µs, ", name, micros(used) / items));
    }
    return out.append(String.format("total %.1f µs", micros(total) / items)).toString();
  }

  /** Clock ticks a second in /proc's CPU times (USER_HZ on Linux). */
  static final int TICKS_PER_SECOND = 100;

  private static double micros(long ticks) {
    return ticks * 1_000_000.0 / TICKS_PER_SECOND;
  }

  /** CPU time used so far by process {@code pid}, user + system, in clock ticks. */
  static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A process's resident set (VmRSS from /proc), in kB; -1 when it cannot be read. */
  static long rssKb(long pid) throws IOException {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith("VmRSS:"))
        .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")))
        .findFirst()
        .orElse(-1);
  }

  static Connection connect(LocalStack stack) throws SQLException {
    StackSettings.Database db = stack.database();
    return DriverManager.getConnection(db.url(), db.username(), db.password());
  }
}

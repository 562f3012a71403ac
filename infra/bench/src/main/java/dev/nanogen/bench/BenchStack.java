package dev.nanogen.bench;

import dev.nanogen.local.LocalStack;
import dev.nanogen.local.StackSettings;
import dev.nanogen.testkit.InitDataSigner;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Starts the local stack with its own fresh state for one benchmark run. */
final class BenchStack {
  private BenchStack() {}

  static LocalStack start(List<String> services) throws IOException {
    return start(services, "nanogen_bench", 1_000_000);
  }

  /** The stack on a fresh database {@code database}, users getting {@code signupBonus} credits. */
  static LocalStack start(List<String> services, String database, long signupBonus) throws IOException {
    Path repository = Path.of(System.getProperty("nanogen.repository", ".")).toAbsolutePath().normalize();
    StackSettings defaults = StackSettings.fromEnvironment(repository);
    Path home = Files.createTempDirectory("nanogen-bench");
    StackSettings settings =
        new StackSettings(
            repository, home, freshDatabase(defaults, database), defaults.gatewayPort(), defaults.workerPort(),
            defaults.notifierPort(), defaults.kafkaPort(), defaults.kafkaControllerPort(),
            defaults.embeddedPostgresPort() + 1, defaults.sandboxPort(), defaults.telegramPort(),
            defaults.botToken(), defaults.aimlApiKey(), signupBonus);
    System.out.println("starting the local stack (state in " + home + ") …");
    LocalStack stack = LocalStack.start(settings, services);
    System.out.println("PostgreSQL: " + stack.databaseDescription());
    return stack;
  }

  /**
   * A new, empty database {@code nanogen_bench} on the machine's PostgreSQL when it answers (so runs
   * are comparable); else null, and the launcher provisions an embedded one in the fresh home.
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
  static List<String> signIn(LocalStack stack, HttpClient http, long firstUser, int users) throws Exception {
    InitDataSigner signer = new InitDataSigner(StackSettings.LOCAL_BOT_TOKEN);
    List<String> auth = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      auth.add("tma " + signer.sign(firstUser + u, "Bench", "en"));
    }
    URI me = URI.create(stack.gatewayUrl() + "/api/me");
    for (int from = 0; from < users; from += 200) {
      List<CompletableFuture<HttpResponse<Void>>> calls = new ArrayList<>();
      for (String header : auth.subList(from, Math.min(users, from + 200))) {
        calls.add(http.sendAsync(HttpRequest.newBuilder(me).header("Authorization", header).build(), HttpResponse.BodyHandlers.discarding()));
      }
      for (CompletableFuture<HttpResponse<Void>> call : calls) {
        if (call.get().statusCode() != 200) {
          throw new IllegalStateException("sign-in answered " + call.get().statusCode());
        }
      }
    }
    return auth;
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

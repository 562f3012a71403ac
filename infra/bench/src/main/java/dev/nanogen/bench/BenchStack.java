package dev.nanogen.bench;

import dev.nanogen.local.LocalStack;
import dev.nanogen.local.StackSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

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

  static Connection connect(LocalStack stack) throws SQLException {
    StackSettings.Database db = stack.database();
    return DriverManager.getConnection(db.url(), db.username(), db.password());
  }
}

package dev.nanogen.local;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The local stack's PostgreSQL: the one configured (SPRING_DATASOURCE_URL), else the machine's on
 * 127.0.0.1:5432 when it answers (database {@code nanogen} created if missing), else an embedded
 * PostgreSQL whose data lives in the stack's home, so a second run finds the first run's data.
 */
final class LocalPostgres implements AutoCloseable {
  private final StackSettings.Database database;
  private final EmbeddedPostgres embedded;
  private final String description;

  private LocalPostgres(
      StackSettings.Database database, EmbeddedPostgres embedded, String description) {
    this.database = database;
    this.embedded = embedded;
    this.description = description;
  }

  static LocalPostgres provide(StackSettings settings) throws IOException {
    if (settings.database() != null) {
      return new LocalPostgres(
          settings.database(), null, "configured: " + settings.database().url());
    }
    String machine = "jdbc:postgresql://127.0.0.1:5432/postgres";
    if (answers(machine, "postgres", "")) {
      createDatabase(machine, "postgres", "");
      return new LocalPostgres(
          new StackSettings.Database("jdbc:postgresql://127.0.0.1:5432/nanogen", "postgres", ""),
          null,
          "the machine's PostgreSQL at 127.0.0.1:5432, database nanogen");
    }
    Path data = settings.home().resolve("pgdata");
    boolean existing = Files.exists(data.resolve("PG_VERSION"));
    Files.createDirectories(data);
    EmbeddedPostgres postgres =
        EmbeddedPostgres.builder()
            .setDataDirectory(data)
            .setCleanDataDirectory(false)
            .setOverrideWorkingDirectory(settings.home().resolve("pgwork").toFile())
            .setPort(settings.embeddedPostgresPort())
            .start();
    String admin = postgres.getJdbcUrl("postgres", "postgres");
    createDatabase(admin, "postgres", "");
    String url = "jdbc:postgresql://127.0.0.1:" + settings.embeddedPostgresPort() + "/nanogen";
    return new LocalPostgres(
        new StackSettings.Database(url, "postgres", ""),
        postgres,
        "embedded PostgreSQL on port "
            + settings.embeddedPostgresPort()
            + ", data in "
            + data
            + (existing ? " (kept from the last run)" : " (new: starts afresh)"));
  }

  StackSettings.Database database() {
    return database;
  }

  String description() {
    return description;
  }

  private static boolean answers(String url, String user, String password) {
    DriverManager.setLoginTimeout(2);
    try (Connection ignored = DriverManager.getConnection(url, user, password)) {
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  private static void createDatabase(String adminUrl, String user, String password) {
    try (Connection connection = DriverManager.getConnection(adminUrl, user, password);
        Statement statement = connection.createStatement()) {
      var exists = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = 'nanogen'");
      if (!exists.next()) {
        statement.execute("CREATE DATABASE nanogen");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database nanogen: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws IOException {
    if (embedded != null) {
      embedded.close();
    }
  }
}

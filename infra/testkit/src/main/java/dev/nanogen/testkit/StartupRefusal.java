package dev.nanogen.testkit;

import java.util.function.Function;

/**
 * Starts a service the way its jar would, on the test infrastructure, with one setting of the
 * test's choosing, and answers why it refused to start (the innermost cause's message), or null if
 * it started.
 */
public final class StartupRefusal {
  private StartupRefusal() {}

  /**
   * @param database a scratch database of the caller's own
   * @param setting one more command-line setting, such as {@code --nanogen.admin-token=change-me}
   * @param start starts the application with these arguments (a SpringApplicationBuilder's run)
   */
  public static String of(
      String database, String setting, Function<String[], AutoCloseable> start) {
    TestInfra.Database db = TestInfra.freshDatabase(database);
    String[] args = {
      "--spring.datasource.url=" + db.url(),
      "--spring.datasource.username=" + db.username(),
      "--spring.datasource.password=" + db.password(),
      "--spring.kafka.bootstrap-servers=" + TestInfra.kafkaBootstrap(),
      "--nanogen.telegram.bot-token=1:T",
      "--management.server.port=0",
      setting
    };
    try (AutoCloseable started = start.apply(args)) {
      return null;
    } catch (Throwable failure) {
      Throwable cause = failure;
      while (cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
      }
      return cause.getMessage();
    }
  }
}

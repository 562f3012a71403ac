package dev.nanogen.local;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the local stack keeps its state and which ports it uses. Defaults suit a developer's
 * machine; the end-to-end test picks free ports and a temporary home.
 *
 * @param repository the repository root (where the service jars are built)
 * @param home state kept between runs: embedded PostgreSQL data, Kafka log dirs, service logs
 * @param database a PostgreSQL to use as is, or null to find or provision one
 * @param botToken the local bot token (signs initData, addresses the Telegram stub)
 */
public record StackSettings(
    Path repository,
    Path home,
    Database database,
    int gatewayPort,
    int workerPort,
    int notifierPort,
    int kafkaPort,
    int kafkaControllerPort,
    int embeddedPostgresPort,
    int sandboxPort,
    int telegramPort,
    String botToken,
    String aimlApiKey,
    long signupBonus) {

  public static final String LOCAL_BOT_TOKEN = "123456:LOCAL-DEV-TOKEN";

  /** The local stack's admin token (Bearer, /api/admin/**); never one used anywhere else. */
  public static final String LOCAL_ADMIN_TOKEN = "local-admin-token-0123456789abcdef";

  /** The local webhook secret token (the gateway registers its webhook with the stub under it). */
  public static final String LOCAL_WEBHOOK_SECRET = "local-webhook-secret";

  /** A JDBC database with its credentials. */
  public record Database(String url, String username, String password) {}

  /** The defaults, with the README's environment variables honoured where they are set. */
  public static StackSettings fromEnvironment(Path repository) {
    Map<String, String> env = System.getenv();
    Database database =
        env.containsKey("SPRING_DATASOURCE_URL")
            ? new Database(
                env.get("SPRING_DATASOURCE_URL"),
                env.getOrDefault("SPRING_DATASOURCE_USERNAME", "nanogen"),
                env.getOrDefault("SPRING_DATASOURCE_PASSWORD", "nanogen"))
            : null;
    return new StackSettings(
        repository,
        Path.of(env.getOrDefault("NANOGEN_HOME", repository.resolve(".nanogen").toString())),
        database,
        Integer.parseInt(env.getOrDefault("SERVER_PORT", "8080")),
        18081,
        18082,
        19092,
        19093,
        15432,
        18181,
        18182,
        env.getOrDefault("NANOGEN_TELEGRAM_BOT_TOKEN", LOCAL_BOT_TOKEN),
        "local-sandbox-key",
        Long.parseLong(env.getOrDefault("NANOGEN_SIGNUP_BONUS", "100")));
  }
}

package dev.nanogen.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.JaasUtils;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Provides the real PostgreSQL and the real Kafka broker that integration tests run against, one of
 * each per test JVM. One switch, {@code NANOGEN_TEST_INFRA}, chooses where they come from:
 *
 * <ul>
 *   <li>{@code testcontainers}: Testcontainers' PostgreSQL and Kafka (needs a Docker engine);
 *   <li>{@code local}: the database at {@code NANOGEN_TEST_DB_URL} (an admin connection, default
 *       {@code jdbc:postgresql://127.0.0.1:5432/postgres} as {@code postgres}), or, when none
 *       answers, an embedded PostgreSQL (zonky); and an in-JVM KRaft broker (Kafka's own test kit);
 *   <li>{@code auto} (the default): {@code testcontainers} where a Docker engine answers, else
 *       {@code local}.
 * </ul>
 */
public final class TestInfra {
  private static final Logger log = LoggerFactory.getLogger(TestInfra.class);

  /** Partitions of each topic the tests create; as many as production's default. */
  public static final int PARTITIONS = 12;

  /** A database the test owns: created empty for this JVM. */
  public record Database(String url, String username, String password) {}

  /**
   * A broker of the test's own whose client listener requires SASL PLAIN, as a secured cluster
   * does.
   *
   * @param bootstrap its client listener
   * @param springSettings Spring Boot's standard settings that secure every client of a service
   *     ({@code spring.kafka.security.protocol}, {@code spring.kafka.properties.sasl.*})
   * @param clientProperties the same for a plain Kafka client
   */
  public record SecuredKafka(
      String bootstrap, Map<String, String> springSettings, Map<String, Object> clientProperties) {}

  private static Database adminDatabase;
  private static String kafkaBootstrap;
  private static KafkaClusterTestKit embeddedKafka;
  private static SecuredKafka saslKafka;
  private static String kafkaWithoutShareGroups;

  private TestInfra() {}

  public static boolean usesTestcontainers() {
    String mode =
        System.getenv().getOrDefault("NANOGEN_TEST_INFRA", "auto").toLowerCase(Locale.ROOT);
    return switch (mode) {
      case "testcontainers" -> true;
      case "local" -> false;
      default -> dockerAnswers();
    };
  }

  /** Drops and creates database {@code name} on the test server, so each JVM starts empty. */
  public static synchronized Database freshDatabase(String name) {
    Database admin = admin();
    try (Connection connection =
            DriverManager.getConnection(admin.url(), admin.username(), admin.password());
        Statement statement = connection.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name, e);
    }
    String url = admin.url().substring(0, admin.url().lastIndexOf('/') + 1) + name;
    return new Database(url, admin.username(), admin.password());
  }

  /**
   * Makes database {@code name} refuse every connection (existing ones are terminated) while {@code
   * outage} runs, then lets connections in again: a database outage, as the application sees it.
   */
  public static void withDatabaseDown(String name, Runnable outage) {
    Database admin = admin();
    execute(admin, "ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
    execute(
        admin,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'");
    try {
      outage.run();
    } finally {
      execute(admin, "ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
    }
  }

  private static void execute(Database database, String sql) {
    try (Connection connection =
            DriverManager.getConnection(database.url(), database.username(), database.password());
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot run " + sql, e);
    }
  }

  /** Bootstrap servers of the test broker, started on first use. */
  public static synchronized String kafkaBootstrap() {
    if (kafkaBootstrap == null) {
      if (usesTestcontainers()) {
        KafkaContainer kafka = new KafkaContainer("apache/kafka-native:4.3.1");
        kafka.start();
        kafkaBootstrap = kafka.getBootstrapServers();
      } else {
        embeddedKafka = embeddedKafka();
        kafkaBootstrap = embeddedKafka.bootstrapServers();
      }
      log.info("test Kafka at {}", kafkaBootstrap);
    }
    return kafkaBootstrap;
  }

  /**
   * A second in-JVM broker (started on first use) whose client listener requires SASL PLAIN with
   * the user {@value JaasUtils#KAFKA_PLAIN_ADMIN}; its controller listener stays plain.
   */
  public static synchronized SecuredKafka saslKafka() {
    if (saslKafka == null) {
      // Clients must authenticate; nothing is authorised per user (the controller's own plain
      // listener would be refused by the kit's authorizer otherwise).
      KafkaClusterTestKit cluster =
          embeddedKafka(
              nodes().setBrokerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT).build(),
              Map.of("authorizer.class.name", ""));
      String jaas =
          "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
              + JaasUtils.KAFKA_PLAIN_ADMIN
              + "\" password=\""
              + JaasUtils.KAFKA_PLAIN_ADMIN_PASSWORD
              + "\";";
      saslKafka =
          new SecuredKafka(
              cluster.bootstrapServers(),
              Map.of(
                  "spring.kafka.security.protocol", "SASL_PLAINTEXT",
                  "spring.kafka.properties.sasl.mechanism", "PLAIN",
                  "spring.kafka.properties.sasl.jaas.config", jaas),
              Map.of(
                  "security.protocol", "SASL_PLAINTEXT",
                  "sasl.mechanism", "PLAIN",
                  "sasl.jaas.config", jaas));
      log.info("test Kafka requiring SASL PLAIN at {}", saslKafka.bootstrap());
    }
    return saslKafka;
  }

  /**
   * Bootstrap servers of a third in-JVM broker (started on first use) formatted with the feature
   * {@code share.version} at 0: a cluster without share groups, as Kafka 4.1 is by default.
   */
  public static synchronized String kafkaWithoutShareGroups() {
    if (kafkaWithoutShareGroups == null) {
      MetadataVersion version = MetadataVersion.latestProduction();
      Map<String, Short> features = new HashMap<>();
      for (Feature feature : Feature.PRODUCTION_FEATURES) {
        features.put(feature.featureName(), feature.defaultLevel(version));
      }
      features.put(Feature.SHARE_VERSION.featureName(), (short) 0);
      kafkaWithoutShareGroups =
          embeddedKafka(
                  nodes()
                      .setBootstrapMetadata(
                          BootstrapMetadata.fromVersions(version, features, "no share groups"))
                      .build(),
                  Map.of())
              .bootstrapServers();
      log.info("test Kafka without share groups at {}", kafkaWithoutShareGroups);
    }
    return kafkaWithoutShareGroups;
  }

  private static TestKitNodes.Builder nodes() {
    return new TestKitNodes.Builder()
        .setCombined(true)
        .setNumBrokerNodes(1)
        .setNumControllerNodes(1);
  }

  private static KafkaClusterTestKit embeddedKafka() {
    return embeddedKafka(nodes().build(), Map.of());
  }

  /** One combined broker + controller, topics of {@link #PARTITIONS} partitions by default. */
  private static KafkaClusterTestKit embeddedKafka(TestKitNodes nodes, Map<String, String> more) {
    try {
      KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
      more.forEach(builder::setConfigProp);
      KafkaClusterTestKit cluster =
          builder
              .setConfigProp("num.partitions", String.valueOf(PARTITIONS))
              .setConfigProp("offsets.topic.replication.factor", "1")
              .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
              .setConfigProp("share.coordinator.state.topic.min.isr", "1")
              .setConfigProp("share.coordinator.state.topic.num.partitions", "3")
              .setConfigProp("transaction.state.log.replication.factor", "1")
              .setConfigProp("transaction.state.log.min.isr", "1")
              // The consumer group protocol delivers assignments with heartbeats: beat often in
              // tests.
              .setConfigProp("group.consumer.min.heartbeat.interval.ms", "500")
              .setConfigProp("group.consumer.heartbeat.interval.ms", "1000")
              .setConfigProp("group.consumer.min.session.timeout.ms", "6000")
              .setConfigProp("group.consumer.session.timeout.ms", "10000")
              .build();
      // A broker that meets a fatal fault while the JVM shuts down (its close races the Spring
      // contexts' in the shutdown hooks) halts the process through Kafka's Exit, and surefire
      // reports a
      // crashed fork although every test passed: in a test JVM, exiting is surefire's business.
      Exit.setExitProcedure(
          (status, message) ->
              System.err.println(
                  "embedded Kafka asked to exit("
                      + status
                      + "): "
                      + message
                      + " — ignored in tests"));
      Exit.setHaltProcedure(
          (status, message) ->
              System.err.println(
                  "embedded Kafka asked to halt("
                      + status
                      + "): "
                      + message
                      + " — ignored in tests"));
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(cluster)));
      return cluster;
    } catch (Exception e) {
      throw new IllegalStateException("the embedded Kafka broker could not start", e);
    }
  }

  private static Database admin() {
    if (adminDatabase != null) {
      return adminDatabase;
    }
    if (usesTestcontainers()) {
      PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine");
      container.start();
      adminDatabase =
          new Database(container.getJdbcUrl(), container.getUsername(), container.getPassword());
    } else {
      String url =
          System.getenv()
              .getOrDefault("NANOGEN_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
      String user = System.getenv().getOrDefault("NANOGEN_TEST_DB_USERNAME", "postgres");
      String password = System.getenv().getOrDefault("NANOGEN_TEST_DB_PASSWORD", "");
      adminDatabase =
          answers(url, user, password) ? new Database(url, user, password) : embeddedPostgres();
    }
    log.info("test PostgreSQL at {}", adminDatabase.url());
    return adminDatabase;
  }

  private static Database embeddedPostgres() {
    try {
      Path dir = Files.createTempDirectory("nanogen-test-pg");
      EmbeddedPostgres postgres =
          EmbeddedPostgres.builder().setOverrideWorkingDirectory(dir.toFile()).start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(postgres)));
      return new Database(postgres.getJdbcUrl("postgres", "postgres"), "postgres", "");
    } catch (IOException e) {
      throw new IllegalStateException(
          "no PostgreSQL answers at NANOGEN_TEST_DB_URL or 127.0.0.1:5432, and an embedded one"
              + " could not start",
          e);
    }
  }

  private static boolean answers(String url, String user, String password) {
    DriverManager.setLoginTimeout(3);
    try (Connection ignored = DriverManager.getConnection(url, user, password)) {
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  private static boolean dockerAnswers() {
    boolean socket =
        System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"));
    try {
      return socket && DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception ignored) {
      // shutting down anyway
    }
  }
}

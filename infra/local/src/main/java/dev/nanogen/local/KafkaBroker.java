package dev.nanogen.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * A real standalone Kafka broker in KRaft mode (combined broker and controller, node 1) on
 * 127.0.0.1, run from Apache Kafka's own jars (infra/kafka-broker/target/lib). Its storage is
 * formatted with kafka.tools.StorageTool on first use and kept in the stack's home.
 */
final class KafkaBroker {
  private KafkaBroker() {}

  static ChildProcess start(StackSettings settings, Path logs) throws IOException {
    Path lib = settings.repository().resolve("infra/kafka-broker/target/lib");
    if (!Files.isDirectory(lib)) {
      throw new IllegalStateException("no Kafka broker classpath at " + lib + ": build first (./mvnw package)");
    }
    Path dir = settings.home().resolve("kafka");
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    Path config = dir.resolve("server.properties");
    Files.writeString(config, properties(settings, data));
    // The module's own resources (log4j2.properties: INFO from Kafka) come first, then Kafka's jars.
    String classpath = lib.getParent().resolve("classes") + java.io.File.pathSeparator + lib.resolve("*");
    if (!Files.exists(data.resolve("meta.properties"))) {
      Process format =
          new ProcessBuilder(
                  List.of(ChildProcess.java(), "-cp", classpath, "kafka.tools.StorageTool", "format",
                      "-t", clusterId(), "-c", config.toString()))
              .redirectErrorStream(true)
              .redirectOutput(logs.resolve("kafka-format.log").toFile())
              .start();
      try {
        if (format.waitFor() != 0) {
          throw new IllegalStateException("Kafka storage format failed; see " + logs.resolve("kafka-format.log"));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return ChildProcess.start(
        "kafka",
        List.of(ChildProcess.java(), "-Xmx384m", "-cp", classpath, "kafka.Kafka", config.toString()),
        java.util.Map.of(),
        logs);
  }

  private static String properties(StackSettings s, Path data) {
    return """
        process.roles=broker,controller
        node.id=1
        controller.quorum.voters=1@127.0.0.1:%2$d
        listeners=PLAINTEXT://127.0.0.1:%1$d,CONTROLLER://127.0.0.1:%2$d
        advertised.listeners=PLAINTEXT://127.0.0.1:%1$d
        controller.listener.names=CONTROLLER
        inter.broker.listener.name=PLAINTEXT
        listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
        log.dirs=%3$s
        num.partitions=12
        offsets.topic.replication.factor=1
        offsets.topic.num.partitions=12
        transaction.state.log.replication.factor=1
        transaction.state.log.min.isr=1
        share.coordinator.state.topic.replication.factor=1
        share.coordinator.state.topic.min.isr=1
        share.coordinator.state.topic.num.partitions=3
        group.initial.rebalance.delay.ms=0
        group.consumer.min.session.timeout.ms=6000
        group.consumer.session.timeout.ms=10000
        group.consumer.min.heartbeat.interval.ms=1000
        group.consumer.heartbeat.interval.ms=2000
        group.share.min.session.timeout.ms=6000
        group.share.session.timeout.ms=10000
        group.share.min.heartbeat.interval.ms=1000
        group.share.heartbeat.interval.ms=2000
        auto.create.topics.enable=false
        """
        .formatted(s.kafkaPort(), s.kafkaControllerPort(), data);
  }

  /** A Kafka cluster id: a random UUID as unpadded URL-safe base64. */
  private static String clusterId() {
    UUID uuid = UUID.randomUUID();
    ByteBuffer bytes = ByteBuffer.allocate(16);
    bytes.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
  }
}

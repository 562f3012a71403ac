package dev.nanogen.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;

/**
 * A real standalone Kafka broker in KRaft mode (combined broker and controller, node 1) on
 * 127.0.0.1, run from Apache Kafka's own jars (infra/kafka-broker/target/lib), with a JDK AOT cache
 * of its classes ({@code NANOGEN_AOT=false}: none). Its storage is formatted with
 * kafka.tools.StorageTool on first use and kept in the stack's home.
 */
final class KafkaBroker {
  private KafkaBroker() {}

  static ChildProcess start(StackSettings settings, Path logs) throws IOException {
    Path lib = settings.repository().resolve("infra/kafka-broker/target/lib");
    if (!Files.isDirectory(lib)) {
      throw new IllegalStateException(
          "no Kafka broker classpath at " + lib + ": build first (./mvnw package)");
    }
    Path dir = settings.home().resolve("kafka");
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    Path config = dir.resolve("server.properties");
    Files.writeString(config, properties(settings, data));
    // Kafka's jars alone on the class path (an AOT cache takes no directories); the module's
    // log4j2.properties (INFO from Kafka) named by path.
    List<String> command =
        new ArrayList<>(
            List.of(
                ChildProcess.java(),
                "-Xmx384m",
                "-Dlog4j2.configurationFile="
                    + lib.getParent().resolve("classes/log4j2.properties")));
    String classpath = lib.resolve("*").toString();
    if (!Files.exists(data.resolve("meta.properties"))) {
      Process format =
          new ProcessBuilder(
                  List.of(
                      ChildProcess.java(),
                      "-cp",
                      classpath,
                      "kafka.tools.StorageTool",
                      "format",
                      "-t",
                      clusterId(),
                      "-c",
                      config.toString()))
              .redirectErrorStream(true)
              .redirectOutput(logs.resolve("kafka-format.log").toFile())
              .start();
      try {
        if (format.waitFor() != 0) {
          throw new IllegalStateException(
              "Kafka storage format failed; see " + logs.resolve("kafka-format.log"));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    List<String> main = List.of("-cp", classpath, "kafka.Kafka", config.toString());
    if (AotCache.enabled()) {
      command.addAll(aotCache(settings, lib, command, main, logs));
    }
    command.addAll(main);
    return ChildProcess.start("kafka", command, java.util.Map.of(), logs);
  }

  /**
   * {@code -XX:AOTCache=…} for the broker (a restart under load loads its classes from the cache
   * rather than from 100 jars), recorded once per set of Kafka jars by a training run that starts
   * the broker and stops it; nothing when that fails (the broker starts from its jars).
   */
  private static List<String> aotCache(
      StackSettings settings, Path lib, List<String> jvm, List<String> main, Path logs) {
    Path cache;
    try (var jars = Files.list(lib)) {
      String names = jars.map(p -> p.getFileName().toString()).sorted().reduce("", String::concat);
      cache =
          lib.getParent().resolve("aot/kafka-" + Integer.toHexString(names.hashCode()) + ".aot");
      if (!Files.exists(cache)) {
        Files.createDirectories(cache.getParent());
        List<String> training = new ArrayList<>(jvm);
        training.add("-XX:AOTCacheOutput=" + cache);
        training.addAll(main);
        ChildProcess broker =
            ChildProcess.start("kafka-aot-training", training, java.util.Map.of(), logs);
        try {
          broker.awaitPort(settings.kafkaPort(), Duration.ofMinutes(2));
        } finally {
          broker.stop(Duration.ofMinutes(2));
        }
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("no AOT cache for the Kafka broker (" + e + "); starting from its jars");
      return List.of();
    }
    return Files.exists(cache) ? List.of("-XX:AOTCache=" + cache) : List.of();
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

  /**
   * A Kafka cluster id from Kafka's own generator: base64url of random bytes that never starts with
   * {@code -} (the storage tool would read such an id as an option and refuse to format).
   */
  static String clusterId() {
    return Uuid.randomUuid().toString();
  }
}

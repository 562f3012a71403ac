package dev.nanogen.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A JDK AOT cache (JEP 483/514) per service, for quick starts: the jar is extracted once (Spring
 * Boot's {@code -Djarmode=tools extract}: the cache needs classes from plain jars, not nested
 * ones), one training run records what the context loads ({@code -XX:AOTCacheOutput}, {@code
 * -Dspring.context.exit=onRefresh}), and every later start maps it. Both are redone when the jar is
 * newer. Anything failing only costs the cache: the service then starts from its jar as before. Off
 * with {@code NANOGEN_AOT=false}.
 */
final class AotCache {
  private static final Duration TRAINING_TIMEOUT = Duration.ofMinutes(3);

  private AotCache() {}

  static boolean enabled() {
    return !"false".equalsIgnoreCase(System.getenv("NANOGEN_AOT"));
  }

  /**
   * The arguments after the JVM options that start {@code module}: {@code -XX:AOTCache=… -jar
   * <extracted jar>} when a cache is (or can now be) made, else {@code -jar <jar>}.
   */
  static synchronized List<String> launch(
      String module, Path jar, List<String> options, Map<String, String> env, Path logs) {
    Path home = jar.getParent().resolve("aot");
    Path extracted = home.resolve(module + ".jar");
    // One cache per set of JVM options: a cache recorded under other flags may not be usable.
    Path cache =
        home.resolve(
            module + "-" + Integer.toHexString(String.join(" ", options).hashCode()) + ".aot");
    try {
      FileTime built = Files.getLastModifiedTime(jar);
      if (!Files.exists(extracted) || Files.getLastModifiedTime(extracted).compareTo(built) < 0) {
        deleteTree(home);
        run(
            List.of(
                ChildProcess.java(),
                "-Djarmode=tools",
                "-jar",
                jar.toString(),
                "extract",
                "--destination",
                home.toString()),
            Map.of(),
            logs.resolve(module + "-extract.log"));
        Files.setLastModifiedTime(extracted, FileTime.fromMillis(System.currentTimeMillis()));
      }
      if (!Files.exists(cache)
          || Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(extracted)) < 0) {
        List<String> training = new ArrayList<>();
        training.add(ChildProcess.java());
        training.addAll(options);
        training.addAll(
            List.of(
                "-XX:AOTCacheOutput=" + cache,
                "-Dspring.context.exit=onRefresh",
                "-jar",
                extracted.toString()));
        run(training, env, logs.resolve(module + "-aot-training.log"));
      }
      if (Files.exists(cache)) {
        return List.of("-XX:AOTCache=" + cache, "-jar", extracted.toString());
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("no AOT cache for " + module + " (" + e + "); starting from the jar");
    }
    return List.of("-jar", jar.toString());
  }

  private static void run(List<String> command, Map<String, String> env, Path log)
      throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    try {
      if (!process.waitFor(TRAINING_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            command.get(command.size() - 1) + " did not finish; see " + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException("interrupted", e);
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException("exit " + process.exitValue() + "; see " + log);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

package dev.nanogen.bench;

import dev.nanogen.local.ChildProcess;
import dev.nanogen.local.LocalStack;
import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.Topics;
import dev.nanogen.testkit.ClaimsStandIn;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Worker benchmark (issue 5), against the AIML sandbox, with requests written straight to the
 * requests topic (the worker is what is measured, not the gateway):
 *
 * <ol>
 *   <li>In flight: {@code jobs} video generations of {@code seconds} s each reach one worker at
 *       once. Reports how long admitting them took, the most in flight at once (the worker's own
 *       gauge), when all completed, the worker's CPU (from /proc, % of one core) and peak RSS, and
 *       whether any was submitted twice.
 *   <li>Scale-out: {@code images} image generations (200 ms each at the provider) through 1, 2, …,
 *       {@code workers} worker processes sharing the requests (the share group, or with
 *       NANOGEN_WORKER_SHARE_GROUP=false one consumer group; NANOGEN_KAFKA_PARTITIONS sets the
 *       topic's partitions); generations per second for each.
 * </ol>
 *
 * <p>Usage: {@code WorkerBenchmark [jobs=5000] [seconds=20] [workers=3] [images=3000]}.
 */
public final class WorkerBenchmark {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  public static void main(String[] args) throws Exception {
    int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int workers = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int images = args.length > 3 ? Integer.parseInt(args[3]) : 3000;
    try (LocalStack stack =
            BenchStack.start(List.of("generation-worker"), "nanogen_bench_worker", 0);
        Outcomes outcomes = new Outcomes(stack.kafkaBootstrap());
        // No gateway runs here: the stand-in answers the workers' claims as the gateway would.
        ClaimsStandIn claims = new ClaimsStandIn(stack.kafkaBootstrap());
        KafkaProducer<String, String> producer = BenchStack.producer(stack)) {
      inFlight(stack, outcomes, producer, jobs, seconds);
      for (int count = 1; count <= workers; count++) {
        if (count > 1) {
          stack.startReplica("generation-worker", count - 1);
        }
        scaleOut(stack, outcomes, producer, count, images);
      }
    }
  }

  private static void inFlight(
      LocalStack stack,
      Outcomes outcomes,
      KafkaProducer<String, String> producer,
      int jobs,
      int seconds)
      throws Exception {
    ChildProcess worker = stack.process("generation-worker").orElseThrow();
    String metrics =
        "http://127.0.0.1:"
            + LocalStack.managementPort(stack.port("generation-worker"))
            + "/actuator/metrics/nanogen.worker.in.flight";
    System.out.printf(
        "%n== in flight: %d videos of %d s, one worker (pid %d) ==%n", jobs, seconds, worker.pid());
    long cpuBefore = BenchStack.cpuTicks(worker.pid());
    Instant began = Instant.now();
    List<UUID> ids =
        publish(producer, jobs, ModelKind.VIDEO, "[seconds:" + seconds + "] inflight ");
    System.out.printf("published in %d ms%n", Duration.between(began, Instant.now()).toMillis());

    double peak = 0;
    long peakRss = 0;
    Instant admitted = null;
    Instant plateauFrom = null;
    Instant plateauTo = null;
    long cpuAtPlateau = 0;
    long cpuAfterPlateau = 0;
    Instant deadline = began.plus(Duration.ofSeconds(seconds + 600));
    while (outcomes.ended(ids) < jobs && Instant.now().isBefore(deadline)) {
      Thread.sleep(1000);
      double now = gauge(metrics);
      peak = Math.max(peak, now);
      peakRss = Math.max(peakRss, BenchStack.rssKb(worker.pid()));
      if (admitted == null && outcomes.startedWithTask(ids) == jobs) {
        admitted = Instant.now();
      }
      if (now >= jobs * 0.99 && plateauFrom == null) {
        plateauFrom = Instant.now();
        cpuAtPlateau = BenchStack.cpuTicks(worker.pid());
      }
      if (plateauFrom != null && plateauTo == null && now < jobs * 0.99) {
        plateauTo = Instant.now();
        cpuAfterPlateau = BenchStack.cpuTicks(worker.pid());
      }
    }
    Instant ended = Instant.now();
    long cpuTotal = BenchStack.cpuTicks(worker.pid()) - cpuBefore;
    double runSeconds = Duration.between(began, ended).toMillis() / 1000.0;
    System.out.printf(
        "all %d admitted (GenerationStarted with task id) after %.1f s%n",
        jobs,
        admitted == null ? Double.NaN : Duration.between(began, admitted).toMillis() / 1000.0);
    System.out.printf(
        "peak in flight: %.0f; ended %d (succeeded %d) after %.1f s%n",
        peak, outcomes.ended(ids), outcomes.succeeded(ids), runSeconds);
    System.out.printf(
        "worker CPU over the run: %.0f %% of one core (%.1f s CPU in %.1f s)%n",
        100.0 * cpuTotal / BenchStack.TICKS_PER_SECOND / runSeconds,
        cpuTotal / (double) BenchStack.TICKS_PER_SECOND,
        runSeconds);
    if (plateauFrom != null && plateauTo != null) {
      double plateau = Duration.between(plateauFrom, plateauTo).toMillis() / 1000.0;
      System.out.printf(
          "worker CPU with ≥ 99 %% in flight (%.1f s, polling only): %.0f %% of one core%n",
          plateau,
          100.0 * (cpuAfterPlateau - cpuAtPlateau) / BenchStack.TICKS_PER_SECOND / plateau);
    }
    System.out.printf(
        "worker peak RSS: %d MB (heap capped by NANOGEN_JAVA_OPTS: %s)%n",
        peakRss / 1024, System.getenv().getOrDefault("NANOGEN_JAVA_OPTS", "launcher default"));
    System.out.printf(
        "provider: %d submissions for %d jobs, %d accepted more than once, %d status polls%n",
        stack.sandbox().totalSubmissions(),
        jobs,
        stack.sandbox().acceptedMoreThanOnce().size(),
        stack.sandbox().totalPolls());
    String heap = System.getenv().getOrDefault("NANOGEN_JAVA_OPTS", "");
    boolean clean =
        outcomes.succeeded(ids) == jobs && stack.sandbox().acceptedMoreThanOnce().isEmpty();
    if (heap.contains("-Xmx512m")) {
      BenchmarkTable.record(
          BenchmarkTable.WORKER_IN_FLIGHT,
          "NANOGEN_JAVA_OPTS="
              + heap
              + " NANOGEN_WORKER_MAX_IN_FLIGHT="
              + System.getenv().getOrDefault("NANOGEN_WORKER_MAX_IN_FLIGHT", "")
              + " NANOGEN_WORKER_MODEL_MAX_IN_FLIGHT="
              + System.getenv().getOrDefault("NANOGEN_WORKER_MODEL_MAX_IN_FLIGHT", "")
              + " infra/bin/bench-worker "
              + jobs
              + " "
              + seconds
              + " (videos of "
              + seconds
              + " s, polled every "
              + System.getenv().getOrDefault("NANOGEN_AIML_POLL_INTERVAL", "5s")
              + ")",
          String.format(
              java.util.Locale.ROOT,
              "peak %.0f in flight of %d; %d succeeded after %.1f s, %d accepted twice; peak RSS %d MB",
              peak,
              jobs,
              outcomes.succeeded(ids),
              runSeconds,
              stack.sandbox().acceptedMoreThanOnce().size(),
              peakRss / 1024),
          clean ? (double) Math.round(peak) : null);
    }
  }

  private static void scaleOut(
      LocalStack stack,
      Outcomes outcomes,
      KafkaProducer<String, String> producer,
      int workers,
      int images)
      throws Exception {
    System.out.printf(
        "%n== scale-out: %d images (200 ms at the provider) through %d worker(s) ==%n",
        images, workers);
    // Warm-up, which also waits out the consumer group's rebalance onto the new process.
    List<UUID> warmUp =
        publish(producer, 100, ModelKind.IMAGE, "[latency:200] warm-up " + workers + " ");
    awaitEnded(outcomes, warmUp, Duration.ofSeconds(120));
    Thread.sleep(5000);
    Instant began = Instant.now();
    List<UUID> ids =
        publish(producer, images, ModelKind.IMAGE, "[latency:200] scale " + workers + " ");
    boolean all = awaitEnded(outcomes, ids, Duration.ofSeconds(600));
    double took = Duration.between(began, outcomes.lastEnd(ids)).toMillis() / 1000.0;
    System.out.printf(
        "%d workers: %d/%d ended (%d succeeded) in %.1f s = %.0f generations/s%s%n",
        workers,
        outcomes.ended(ids),
        images,
        outcomes.succeeded(ids),
        took,
        outcomes.ended(ids) / took,
        all ? "" : " (TIMED OUT)");
  }

  private static boolean awaitEnded(Outcomes outcomes, List<UUID> ids, Duration atMost)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(atMost);
    while (outcomes.ended(ids) < ids.size()) {
      if (Instant.now().isAfter(deadline)) {
        return false;
      }
      Thread.sleep(200);
    }
    return true;
  }

  private static List<UUID> publish(
      KafkaProducer<String, String> producer, int count, ModelKind kind, String prompt) {
    List<UUID> ids = new ArrayList<>();
    Instant now = Instant.now();
    for (int i = 0; i < count; i++) {
      UUID id = UUID.randomUUID();
      ids.add(id);
      GenerationRequested request =
          new GenerationRequested(
              UUID.randomUUID(),
              now,
              GenerationRequested.SCHEMA_VERSION,
              id,
              1L,
              kind == ModelKind.VIDEO ? "bench-video" : "bench-image",
              kind == ModelKind.VIDEO ? "bench/video" : "bench/image",
              kind,
              prompt + i,
              Map.of(),
              1,
              now.plusSeconds(900),
              null);
      producer.send(BenchStack.event(Topics.REQUESTS, id.toString(), request));
    }
    producer.flush();
    return ids;
  }

  private static double gauge(String url) {
    try {
      String body =
          HTTP.send(
                  HttpRequest.newBuilder(URI.create(url)).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      return BenchStack.JSON.readTree(body).path("measurements").get(0).path("value").asDouble();
    } catch (Exception e) {
      return 0;
    }
  }

  /**
   * Reads the outcomes topic in the background: per generation, whether it started with a task and
   * how it ended.
   */
  private static final class Outcomes implements AutoCloseable {
    private final Set<UUID> startedWithTask = ConcurrentHashMap.newKeySet();
    private final Map<UUID, Instant> ended = new ConcurrentHashMap<>();
    private final Set<UUID> succeeded = ConcurrentHashMap.newKeySet();
    private final Thread reader;
    private volatile boolean running = true;

    Outcomes(String bootstrap) {
      KafkaConsumer<String, String> consumer =
          new KafkaConsumer<>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  bootstrap,
                  ConsumerConfig.GROUP_ID_CONFIG,
                  "bench-" + UUID.randomUUID(),
                  ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                  "earliest",
                  ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                  StringDeserializer.class,
                  ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                  StringDeserializer.class));
      consumer.subscribe(List.of(Topics.OUTCOMES));
      reader =
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    try (consumer) {
                      while (running) {
                        for (ConsumerRecord<String, String> record :
                            consumer.poll(Duration.ofMillis(200))) {
                          on(record);
                        }
                      }
                    }
                  });
    }

    private void on(ConsumerRecord<String, String> record) {
      UUID id = UUID.fromString(record.key());
      String type =
          new String(
              record.headers().lastHeader(Topics.EVENT_TYPE_HEADER).value(),
              StandardCharsets.UTF_8);
      switch (type) {
        case "GenerationStarted" -> {
          if (BenchStack.JSON.readTree(record.value()).path("provider_task_id").isString()) {
            startedWithTask.add(id);
          }
        }
        case "GenerationSucceeded" -> {
          succeeded.add(id);
          ended.putIfAbsent(id, Instant.now());
        }
        case "GenerationFailed" -> ended.putIfAbsent(id, Instant.now());
        default -> {}
      }
    }

    long startedWithTask(List<UUID> ids) {
      return ids.stream().filter(startedWithTask::contains).count();
    }

    long ended(List<UUID> ids) {
      return ids.stream().filter(ended::containsKey).count();
    }

    long succeeded(List<UUID> ids) {
      return ids.stream().filter(succeeded::contains).count();
    }

    Instant lastEnd(List<UUID> ids) {
      return ids.stream()
          .map(ended::get)
          .filter(java.util.Objects::nonNull)
          .max(Instant::compareTo)
          .orElse(Instant.now());
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      reader.join(2000);
    }
  }
}

package dev.nanogen.bench;

import dev.nanogen.local.LocalStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Outbox benchmark (issue 4), on the whole local stack:
 *
 * <ol>
 *   <li>steady load: {@code rate} starts/s for {@code seconds} through the gateway's HTTP API;
 *       reports commit-to-broker-ack latency p50/p99/max per outbox row (from the row's write to
 *       its marking as published, which follows the broker's acknowledgement);
 *   <li>backlog: {@code backlog} outbox rows written in one transaction; reports how fast the
 *       gateway's relay drains them;
 *   <li>ceiling: kafka-clients' own producer, configured as the gateway's (acks=all, idempotent,
 *       linger 2 ms, lz4, 64 KiB batches), sending as many records of the same size to the same broker.
 * </ol>
 *
 * Usage: {@code OutboxBenchmark [rate=200] [seconds=30] [backlog=100000]}.
 */
public final class OutboxBenchmark {
  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    int backlog = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
    // Only the gateway: this measures the outbox path (commit → broker ack), not the workers' work.
    try (LocalStack stack = BenchStack.start(List.of("api-gateway"))) {
      if (rate > 0) {
        System.out.println("warm-up: 10 s at the same rate, not reported");
        steady(stack, rate, 10, 0, false);
        steady(stack, rate, seconds, 1_000_000, true);
      }
      double drained = drain(stack, backlog);
      double ceiling = ceiling(stack, backlog);
      System.out.printf("%nbacklog drain: %.0f rows/s; kafka-clients ceiling: %.0f records/s; ratio %.2f%n",
          drained, ceiling, drained / ceiling);
    }
    System.exit(0);
  }

  /** Fires starts at a fixed rate over many users; then reads per-row latency from the outbox. */
  static void steady(LocalStack stack, int rate, int seconds, long firstUser, boolean report) throws Exception {
    int users = Math.max(100, rate * 6); // each user starts once every 6 s: under 10 per rolling minute
    HttpClient http = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    URI start = URI.create(stack.gatewayUrl() + "/api/generation/start");
    // Warm-up: sign every user in (creates them with their bonus), unmeasured.
    List<String> auth = BenchStack.signIn(stack, http, 7_000_000L + firstUser, users);
    Instant from = Instant.now();
    int total = rate * seconds;
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(total);
    long intervalNanos = 1_000_000_000L / rate;
    long began = System.nanoTime();
    for (int i = 0; i < total; i++) {
      long due = began + i * intervalNanos;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
      HttpRequest request = HttpRequest.newBuilder(start)
          .header("Authorization", auth.get(i % users))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model_id\":\"flux-schnell\",\"prompt\":\"bench " + i + "\"}"))
          .build();
      http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
        statuses.computeIfAbsent(e == null ? r.statusCode() : -1, k -> new AtomicInteger()).incrementAndGet();
        done.countDown();
      });
    }
    done.await();
    double achieved = total / ((System.nanoTime() - began) / 1e9);
    if (!report) {
      return;
    }
    Thread.sleep(2000); // let the last rows be published
    List<Long> micros = new ArrayList<>();
    try (Connection db = BenchStack.connect(stack);
        PreparedStatement q = db.prepareStatement("""
            SELECT EXTRACT(EPOCH FROM (published_at - created_at)) * 1000000 FROM outbox
            WHERE event_type = 'GenerationRequested' AND created_at >= ? AND status = 'PUBLISHED'
            """)) {
      q.setTimestamp(1, Timestamp.from(from));
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          micros.add(rs.getLong(1));
        }
      }
    }
    Collections.sort(micros);
    System.out.printf("%nsteady load: %d starts at %d/s (achieved %.1f/s), answers %s%n", total, rate, achieved, statuses);
    System.out.printf("commit-to-ack latency over %d rows: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        micros.size(), pct(micros, 0.50) / 1000.0, pct(micros, 0.99) / 1000.0, micros.getLast() / 1000.0);
  }

  /** Writes {@code count} rows in one transaction and times the relay until all are published. */
  static double drain(LocalStack stack, int count) throws Exception {
    String topic = "nanogen.bench.drain." + UUID.randomUUID();
    createTopic(stack, topic);
    try (Connection db = BenchStack.connect(stack)) {
      db.setAutoCommit(false);
      try (PreparedStatement insert = db.prepareStatement("""
          INSERT INTO outbox (topic, message_key, event_type, payload, created_at, available_at)
          SELECT ?, gen_random_uuid()::text, 'BenchRecord', ?, now(), now() FROM generate_series(1, ?)
          """)) {
        insert.setString(1, topic);
        insert.setString(2, payload());
        insert.setInt(3, count);
        insert.executeUpdate();
      }
      db.commit();
      long began = System.nanoTime();
      db.setAutoCommit(true);
      // A cheap probe on the relay's own partial index, every 50 ms, so as not to load the database.
      try (PreparedStatement left = db.prepareStatement("SELECT 1 FROM outbox WHERE status = 'PENDING' AND topic = ? LIMIT 1")) {
        left.setString(1, topic);
        while (true) {
          try (ResultSet rs = left.executeQuery()) {
            if (!rs.next()) {
              break;
            }
          }
          Thread.sleep(50);
        }
      }
      double secs = (System.nanoTime() - began) / 1e9;
      System.out.printf("%nbacklog of %d rows drained in %.2f s: %.0f rows/s%n", count, secs, count / secs);
      try (Statement cleanup = db.createStatement()) {
        cleanup.execute("DELETE FROM outbox WHERE topic = '" + topic + "'");
      }
      return count / secs;
    }
  }

  /** kafka-clients' own producer, as the gateway configures it, sending the same records. */
  static double ceiling(LocalStack stack, int count) throws Exception {
    String topic = "nanogen.bench.ceiling." + UUID.randomUUID();
    createTopic(stack, topic);
    Map<String, Object> config = Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap(),
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.LINGER_MS_CONFIG, 2,
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
        ProducerConfig.BATCH_SIZE_CONFIG, 65536,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    String payload = payload();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
      producer.send(new ProducerRecord<>(topic, "warm", payload)).get();
      long began = System.nanoTime();
      for (int i = 0; i < count; i++) {
        producer.send(new ProducerRecord<>(topic, UUID.randomUUID().toString(), payload));
      }
      producer.flush();
      double secs = (System.nanoTime() - began) / 1e9;
      System.out.printf("kafka-clients producer: %d records in %.2f s: %.0f records/s%n", count, secs, count / secs);
      return count / secs;
    }
  }

  private static void createTopic(LocalStack stack, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap()))) {
      admin.createTopics(List.of(new NewTopic(topic, 12, (short) 1))).all().get();
    }
  }

  /** A record the size of a typical GenerationRequested. */
  private static String payload() {
    return "{\"event_id\":\"" + UUID.randomUUID() + "\",\"occurred_at\":\"2026-11-26T10:00:00Z\",\"schema_version\":1,"
        + "\"generation_id\":\"" + UUID.randomUUID() + "\",\"user_id\":7000001,\"model_id\":\"flux-schnell\","
        + "\"provider_model\":\"flux/schnell\",\"kind\":\"IMAGE\",\"prompt\":\"" + "a red fox in the snow, ".repeat(6)
        + "\",\"params\":{},\"deadline\":\"2026-11-26T10:03:00Z\",\"provider_task_id\":null}";
  }

  private static long pct(List<Long> sorted, double p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }
}

package dev.nanogen.gateway.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nanogen.gateway.IntegrationTest;
import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.testkit.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.support.TransactionTemplate;

/** The relay against the real database and the real broker. */
class OutboxRelayTest extends IntegrationTest {
  @Autowired DueRows due;
  @Autowired PublishBatch publish;
  @Autowired TransactionTemplate tx;
  @Autowired RelaySignal signal;
  @Autowired NanogenProperties properties;
  @Autowired OutboxRelay appRelay;

  private static String newTopic() throws Exception {
    String topic = "test.relay." + UUID.randomUUID();
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.kafkaBootstrap()))) {
      admin.createTopics(List.of(new NewTopic(topic, 6, (short) 1))).all().get();
    }
    return topic;
  }

  private void insertRows(String topic, int count, int payloadBytes) {
    jdbc.sql(
            """
        WITH event AS (
          INSERT INTO outbox (topic, message_key, event_type, payload, created_at)
          SELECT :topic, 'k' || n, 'Test', repeat('x', :size), now() FROM generate_series(1, :count) n
          RETURNING id)
        INSERT INTO outbox_pending (id, available_at) SELECT id, now() FROM event
        """)
        .param("topic", topic)
        .param("size", payloadBytes)
        .param("count", count)
        .update();
  }

  private static Map<String, Long> keysOn(String topic, int expected) {
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestInfra.kafkaBootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "probe-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class))) {
      consumer.subscribe(List.of(topic));
      List<String> keys = new java.util.ArrayList<>();
      long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (keys.size() < expected && System.nanoTime() < end) {
        consumer.poll(Duration.ofMillis(300)).forEach(r -> keys.add(r.key()));
      }
      // One more poll: anything beyond the expected count would be a duplicate.
      consumer.poll(Duration.ofMillis(1000)).forEach(r -> keys.add(r.key()));
      return keys.stream()
          .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }
  }

  private OutboxRelay relay(NanogenProperties.Outbox outbox, Clock clock) {
    return relay(outbox, clock, signal, new SimpleMeterRegistry());
  }

  private OutboxRelay relay(
      NanogenProperties.Outbox outbox, Clock clock, RelaySignal wake, MeterRegistry registry) {
    NanogenProperties custom =
        new NanogenProperties(
            properties.telegram(),
            properties.auth(),
            0,
            null,
            properties.limits(),
            outbox,
            properties.kafka(),
            properties.sweeper(),
            false,
            null,
            properties.cors(),
            properties.outcomes(),
            properties.housekeeping(),
            properties.reconcile());
    PublishBatch publisher = new PublishBatch(kafka, jdbc, clock, custom, registry);
    return new OutboxRelay(due, publisher, tx, wake, custom, clock, registry);
  }

  private long published(String topic) {
    return jdbc.sql(
            """
        SELECT count(*) FROM outbox o
        WHERE topic = :t AND NOT EXISTS (SELECT 1 FROM outbox_pending p WHERE p.id = o.id)
        """)
        .param("t", topic)
        .query(Long.class)
        .single();
  }

  private static double rounds(MeterRegistry registry, String loop) {
    return registry.get("nanogen.outbox.rounds").tag("loop", loop).counter().count();
  }

  @Test
  void one_loop_follows_the_commits_and_the_helpers_join_only_a_backlog() throws Exception {
    appRelay.stop(); // this test's relay alone follows the rows it writes
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RelaySignal wake = new RelaySignal();
    // Batches of 20 and a poll of 30 s: within this test only a wake-up or a backlog starts a
    // round.
    OutboxRelay relay =
        relay(
            new NanogenProperties.Outbox(
                20,
                Duration.ofSeconds(30),
                10,
                Duration.ofSeconds(10),
                Duration.ofDays(7),
                true,
                3),
            Clock.systemUTC(),
            wake,
            registry);
    relay.start();
    try {
      String trickle = newTopic();
      for (int i = 1; i <= 10; i++) {
        insertRows(trickle, 1, 100);
        wake.wake();
        long expected = i;
        await().atMost(Duration.ofSeconds(10)).until(() -> published(trickle) == expected);
      }
      assertThat(rounds(registry, "helper")).as("helper rounds under a trickle").isZero();
      assertThat(rounds(registry, "leader")).isPositive();

      String backlog = newTopic();
      insertRows(backlog, 600, 100);
      wake.wake();
      await().atMost(Duration.ofSeconds(30)).until(() -> published(backlog) == 600);
      assertThat(rounds(registry, "helper"))
          .as("helper rounds on a backlog of 30 batches")
          .isPositive();
      assertThat(keysOn(backlog, 600))
          .hasSize(600)
          .allSatisfy((key, count) -> assertThat(count).isEqualTo(1));
    } finally {
      relay.stop();
      appRelay.start();
    }
  }

  @Test
  void rows_are_taken_only_inside_a_relay_round_whose_commit_publishes_them() {
    // Outside a transaction the take's deletions would commit before anything was sent.
    assertThatThrownBy(() -> due.take(10, Instant.now()))
        .isInstanceOf(IllegalTransactionStateException.class);
  }

  @Test
  void three_relays_on_one_table_publish_each_row_exactly_once() throws Exception {
    String topic = newTopic();
    insertRows(topic, 3000, 200);
    NanogenProperties.Outbox small =
        new NanogenProperties.Outbox(
            50, Duration.ofMillis(100), 10, Duration.ofSeconds(10), Duration.ofDays(7), true, 1);
    List<OutboxRelay> relays =
        List.of(relay(small, Clock.systemUTC()), relay(small, Clock.systemUTC()));

    // Two relays of our own, racing the application's own relay on the same table.
    CountDownLatch go = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
      List<Future<Integer>> claimed =
          relays.stream()
              .map(
                  r ->
                      pool.submit(
                          () -> {
                            go.await();
                            int total = 0;
                            for (int n; (n = r.relayOnce()) > 0; ) {
                              total += n;
                            }
                            return total;
                          }))
              .toList();
      go.countDown();
      for (Future<Integer> f : claimed) {
        f.get();
      }
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> published(topic) == 3000);

    Map<String, Long> keys = keysOn(topic, 3000);
    assertThat(keys).hasSize(3000);
    assertThat(keys.values()).allMatch(count -> count == 1);
  }

  @Test
  void a_row_that_keeps_failing_is_parked_and_the_rows_behind_it_still_go_out() throws Exception {
    String topic = newTopic();
    insertRows(
        topic, 1, 2_000_000); // larger than the producer's max.request.size: fails on its own
    insertRows(topic, 20, 100);
    long poison =
        jdbc.sql("SELECT min(id) FROM outbox WHERE topic = :t")
            .param("t", topic)
            .query(Long.class)
            .single();

    await().atMost(Duration.ofSeconds(30)).until(() -> published(topic) == 20);
    assertThat(keysOn(topic, 20)).hasSize(20);

    // Time moves on past every back-off: a relay with a clock an hour ahead retries until it parks
    // the row.
    NanogenProperties.Outbox three =
        new NanogenProperties.Outbox(
            50, Duration.ofMillis(100), 3, Duration.ofSeconds(10), Duration.ofDays(7), true, 1);
    for (int hour = 1; hour <= 3; hour++) {
      relay(three, Clock.fixed(Instant.now().plus(Duration.ofHours(hour)), ZoneOffset.UTC))
          .relayOnce();
    }
    Map<String, Object> row =
        jdbc.sql("SELECT blocked, attempts, last_error FROM outbox_pending WHERE id = :id")
            .param("id", poison)
            .query()
            .singleRow();
    assertThat(row.get("blocked")).isEqualTo(true);
    assertThat((Integer) row.get("attempts")).isGreaterThanOrEqualTo(3);
    assertThat(String.valueOf(row.get("last_error"))).contains("RecordTooLarge");

    // Visible to admins, and re-queued by them.
    String parked =
        send(HttpRequest.newBuilder(uri("/api/admin/outbox/parked"))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .build())
            .body();
    assertThat(parked).contains("\"id\":" + poison);
    int status =
        send(HttpRequest.newBuilder(uri("/api/admin/outbox/parked/" + poison + "/requeue"))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build())
            .statusCode();
    assertThat(status).isEqualTo(200);
    Map<String, Object> requeued =
        jdbc.sql("SELECT blocked, attempts FROM outbox_pending WHERE id = :id")
            .param("id", poison)
            .query()
            .singleRow();
    assertThat(requeued.get("blocked")).isEqualTo(false);
    assertThat((Integer) requeued.get("attempts")).isLessThan(3);
    assertThat(
            jdbc.sql(
                    "SELECT count(*) FROM admin_audit WHERE action = 'outbox-requeue' AND details LIKE :d")
                .param("d", "row " + poison + "%")
                .query(Long.class)
                .single())
        .isEqualTo(1);
    jdbc.sql("DELETE FROM outbox_pending WHERE id = :id").param("id", poison).update();
    jdbc.sql("DELETE FROM outbox WHERE id = :id").param("id", poison).update();
  }
}

package dev.nanogen.gateway.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.gateway.IntegrationTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Each sweeper rule, with time moved through the injected clock. */
class SweeperTest extends IntegrationTest {
  @Autowired Sweeper sweeper;
  @Autowired io.micrometer.core.instrument.MeterRegistry meters;

  @org.junit.jupiter.api.AfterEach
  void putTimeBack() {
    clock.reset();
  }

  /** Moves the injected clock {@code by} past the real time and sweeps as the scheduler would. */
  private Sweeper.Swept sweepAfter(Duration by) {
    clock.reset();
    clock.advance(by);
    return sweeper.sweep();
  }

  private UUID startOne(long user, String model) {
    return UUID.fromString(
        json(start(user, model, "sweep " + UUID.randomUUID())).path("generation_id").asString());
  }

  private void awaitRequestPublished(UUID id) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                jdbc.sql(
                            """
            SELECT count(*) FROM outbox o JOIN outbox_pending p ON p.id = o.id
            WHERE o.message_key = :k AND o.event_type = 'GenerationRequested'
            """)
                        .param("k", id.toString())
                        .query(Long.class)
                        .single()
                    == 0);
  }

  private String status(UUID id) {
    return jdbc.sql("SELECT status FROM generations WHERE id = :id")
        .param("id", id)
        .query(String.class)
        .single();
  }

  private long requests(UUID id) {
    return jdbc.sql(
            "SELECT count(*) FROM outbox WHERE message_key = :k AND event_type = 'GenerationRequested'")
        .param("k", id.toString())
        .query(Long.class)
        .single();
  }

  @Test
  void a_row_whose_ending_throws_is_parked_and_the_rest_of_the_sweep_still_ends() {
    long broken = newUserId();
    long fine = newUserId();
    grant(broken, 10);
    grant(fine, 10);
    UUID bad = startOne(broken, "flux-pro"); // the earlier deadline: first in every sweep
    UUID good = startOne(fine, "flux-pro");
    // A hold "repaired" by hand: releasing it would take credits_held below zero.
    jdbc.sql("UPDATE users SET credits_held = 0 WHERE id = :u").param("u", broken).update();
    double parkedBefore = meters.counter("nanogen.sweeper.parked").count();

    Sweeper.Swept first = sweepAfter(Duration.ofSeconds(180 + 61));
    Sweeper.Swept second = sweepAfter(Duration.ofSeconds(180 + 62));

    assertThat(status(good)).isEqualTo("failed");
    assertThat(status(bad)).as("left as it was, for an operator").isEqualTo("pending");
    assertThat(
            jdbc.sql("SELECT sweep_parked_at IS NOT NULL FROM generations WHERE id = :id")
                .param("id", bad)
                .query(Boolean.class)
                .single())
        .isTrue();
    assertThat(first.expired()).isGreaterThanOrEqualTo(1);
    assertThat(meters.counter("nanogen.sweeper.parked").count() - parkedBefore)
        .as("parked once, not retried by the next sweep")
        .isEqualTo(1);
    assertThat(second).isNotNull();
    assertLedgerReconciles(fine);
  }

  @Test
  void
      a_generation_past_its_deadline_fails_with_timeout_and_its_hold_is_released_once_by_racing_sweepers()
          throws Exception {
    long user = newUserId();
    grant(user, 10);
    UUID id = startOne(user, "flux-pro");
    clock.advance(Duration.ofSeconds(180 + 61));

    List<Sweeper.Swept> sweeps = race(4, () -> sweeper.sweep());

    assertThat(sweeps.stream().mapToInt(Sweeper.Swept::expired).sum()).isGreaterThanOrEqualTo(1);
    assertThat(status(id)).isEqualTo("failed");
    assertThat(
            jdbc.sql("SELECT error_code FROM generations WHERE id = :id")
                .param("id", id)
                .query(String.class)
                .single())
        .isEqualTo("TIMEOUT");
    assertThat(
            jdbc.sql("SELECT count(*) FROM ledger WHERE generation_id = :id AND kind = 'RELEASE'")
                .param("id", id)
                .query(Long.class)
                .single())
        .isEqualTo(1);
    assertThat(
            jdbc.sql(
                    "SELECT count(*) FROM outbox WHERE message_key = :k AND event_type = 'GenerationSettled'")
                .param("k", id.toString())
                .query(Long.class)
                .single())
        .isEqualTo(1);
    assertThat(json(get("/api/me", user)).path("credits_available").asLong()).isEqualTo(10);
    assertLedgerReconciles(user);
  }

  @Test
  void a_generation_before_its_deadline_is_left_alone() {
    long user = newUserId();
    grant(user, 10);
    UUID id = startOne(user, "flux-pro");
    awaitRequestPublished(id);

    sweepAfter(Duration.ofSeconds(60));

    assertThat(status(id)).isEqualTo("pending");
    assertThat(requests(id)).isEqualTo(1);
  }

  @Test
  void a_pending_generation_never_started_gets_its_request_published_again_once_per_stall() {
    long user = newUserId();
    grant(user, 100);
    UUID id = startOne(user, "kling-video");
    awaitRequestPublished(id);
    sweepAfter(Duration.ofMinutes(4));
    sweepAfter(Duration.ofMinutes(4).plusSeconds(30));

    assertThat(requests(id)).isEqualTo(2);
    assertThat(status(id)).isEqualTo("pending");
    String payload =
        jdbc.sql(
                "SELECT payload FROM outbox WHERE message_key = :k AND event_type = 'GenerationRequested' ORDER BY id DESC LIMIT 1")
            .param("k", id.toString())
            .query(String.class)
            .single();
    assertThat(JSON.readTree(payload).path("generation_id").asString()).isEqualTo(id.toString());
    assertThat(JSON.readTree(payload).path("provider_task_id").isNull()).isTrue();
  }

  @Test
  void a_pending_generation_whose_request_is_still_queued_is_not_dispatched_twice() {
    long user = newUserId();
    grant(user, 100);
    UUID id = startOne(user, "kling-video");
    awaitRequestPublished(id);
    // As if Kafka were down: the request waits in the outbox.
    jdbc.sql(
            "INSERT INTO outbox_pending (id, available_at) SELECT id, now() + interval '1 hour' FROM outbox WHERE message_key = :k")
        .param("k", id.toString())
        .update();

    sweepAfter(Duration.ofMinutes(4));

    assertThat(requests(id)).isEqualTo(1);
    // Looked at again a stall period from this sweep, so queued requests do not fill every sweep's
    // batch.
    assertThat(
            jdbc.sql("SELECT dispatched_at FROM generations WHERE id = :id")
                .param("id", id)
                .query(java.sql.Timestamp.class)
                .single()
                .toInstant())
        .isAfter(java.time.Instant.now().plus(Duration.ofMinutes(3)));
    jdbc.sql(
            "UPDATE outbox_pending SET available_at = now() WHERE id IN (SELECT id FROM outbox WHERE message_key = :k)")
        .param("k", id.toString())
        .update();
  }

  @Test
  void a_stalled_processing_video_gets_a_resume_with_its_provider_task_id() {
    long user = newUserId();
    grant(user, 100);
    UUID id = startOne(user, "kling-video");
    awaitRequestPublished(id);
    jdbc.sql(
            "UPDATE generations SET status = 'processing', provider_task_id = 'vid-123' WHERE id = :id")
        .param("id", id)
        .update();

    sweepAfter(Duration.ofMinutes(4));
    assertThat(requests(id)).as("not stalled yet after 4 min of processing").isEqualTo(1);
    sweepAfter(Duration.ofMinutes(6));

    assertThat(requests(id)).isEqualTo(2);
    String payload =
        jdbc.sql(
                "SELECT payload FROM outbox WHERE message_key = :k AND event_type = 'GenerationRequested' ORDER BY id DESC LIMIT 1")
            .param("k", id.toString())
            .query(String.class)
            .single();
    assertThat(JSON.readTree(payload).path("provider_task_id").asString()).isEqualTo("vid-123");
    assertThat(status(id)).isEqualTo("processing");
  }

  @Test
  void a_stalled_processing_image_is_never_submitted_again_only_timed_out() {
    long user = newUserId();
    grant(user, 100);
    UUID id = startOne(user, "flux-pro");
    awaitRequestPublished(id);
    jdbc.sql("UPDATE generations SET status = 'processing' WHERE id = :id")
        .param("id", id)
        .update();

    sweepAfter(Duration.ofMinutes(3).plusSeconds(50));
    assertThat(requests(id)).isEqualTo(1);
    assertThat(status(id)).isEqualTo("processing");

    sweepAfter(Duration.ofMinutes(5));
    assertThat(requests(id)).isEqualTo(1);
    assertThat(status(id)).isEqualTo("failed");
  }

  private static <T> List<T> race(int threads, Callable<T> call) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  return call.call();
                }));
      }
      go.countDown();
      List<T> results = new ArrayList<>();
      for (Future<T> f : futures) {
        results.add(f.get());
      }
      return results;
    }
  }
}

package dev.nanogen.gateway.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.gateway.IntegrationTest;
import dev.nanogen.model.GenerationStarted;
import dev.nanogen.model.Topics;
import dev.nanogen.model.WorkerHeartbeat;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Worker leases through the real broker: heartbeats renew a worker's lease, GenerationStarted names
 * the worker holding a generation, and the sweeper resumes the videos of a worker whose lease ran
 * out — long before the processing stall (5 min) would.
 */
class WorkerLeaseTest extends IntegrationTest {
  @Autowired Sweeper sweeper;

  @AfterEach
  void putTimeBack() {
    clock.reset();
  }

  private UUID startVideo(long user) {
    return UUID.fromString(
        json(start(user, "kling-video", "lease " + UUID.randomUUID()))
            .path("generation_id")
            .asString());
  }

  /**
   * A new user's video, held by {@code worker} (its lease renewed for 20 s) under task {@code
   * task}.
   */
  private UUID videoHeldBy(UUID worker, String task) throws Exception {
    long user = newUserId();
    grant(user, 100);
    UUID id = startVideo(user);
    heartbeat(worker, 20);
    heldBy(id, worker, task);
    return id;
  }

  /**
   * The video as a worker holds it: claimed, submitted, its task recorded, all naming {@code
   * worker}.
   */
  private void heldBy(UUID id, UUID worker, String task) throws Exception {
    UUID claim = UUID.randomUUID();
    publish(
        Topics.OUTCOMES,
        id.toString(),
        new GenerationStarted(UUID.randomUUID(), Instant.now(), 3, id, null, claim, worker));
    publish(
        Topics.OUTCOMES,
        id.toString(),
        new GenerationStarted(UUID.randomUUID(), Instant.now(), 3, id, task, null, worker));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                task.equals(column(id, "provider_task_id"))
                    && worker.toString().equals(column(id, "worker_id")));
  }

  private void heartbeat(UUID worker, int seconds) throws Exception {
    Instant before = expiry(worker);
    publish(
        Topics.HEARTBEATS,
        worker.toString(),
        new WorkerHeartbeat(UUID.randomUUID(), Instant.now(), 1, worker, seconds));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              Instant now = expiry(worker);
              return now != null && (before == null || now.isAfter(before));
            });
  }

  private Instant expiry(UUID worker) {
    return jdbc.sql("SELECT expires_at FROM worker_leases WHERE worker_id = :w")
        .param("w", worker)
        .query(Timestamp.class)
        .optional()
        .map(Timestamp::toInstant)
        .orElse(null);
  }

  private Instant renewedAt(UUID worker) {
    return jdbc.sql("SELECT renewed_at FROM worker_leases WHERE worker_id = :w")
        .param("w", worker)
        .query(Timestamp.class)
        .single()
        .toInstant();
  }

  private String column(UUID id, String name) {
    return jdbc.sql("SELECT " + name + "::text FROM generations WHERE id = :id")
        .param("id", id)
        .query((rs, row) -> rs.getString(1))
        .list()
        .getFirst();
  }

  private long requests(UUID id) {
    return jdbc.sql(
            "SELECT count(*) FROM outbox WHERE message_key = :k AND event_type = 'GenerationRequested'")
        .param("k", id.toString())
        .query(Long.class)
        .single();
  }

  private String lastRequestTask(UUID id) {
    String payload =
        jdbc.sql(
                "SELECT payload FROM outbox WHERE message_key = :k AND event_type = 'GenerationRequested' ORDER BY id DESC LIMIT 1")
            .param("k", id.toString())
            .query(String.class)
            .single();
    return JSON.readTree(payload).path("provider_task_id").asString(null);
  }

  private Sweeper.Swept sweepAfter(Duration by) {
    clock.reset();
    clock.advance(by);
    return sweeper.sweep();
  }

  @Test
  void
      a_dead_workers_video_is_resumed_with_its_task_once_the_lease_ran_out_and_the_resumer_takes_it_over()
          throws Exception {
    UUID dead = UUID.randomUUID();
    UUID id = videoHeldBy(dead, "vid-lease-1");

    sweepAfter(Duration.ofSeconds(15));
    assertThat(requests(id)).as("the lease still runs").isEqualTo(1);

    sweepAfter(Duration.ofSeconds(25));
    assertThat(requests(id))
        .as("resumed once the lease ran out, 5 minutes before the stall rule")
        .isEqualTo(2);
    assertThat(lastRequestTask(id)).isEqualTo("vid-lease-1");
    assertThat(column(id, "worker_id")).as("nobody holds it until a worker resumes it").isNull();
    assertThat(column(id, "status")).isEqualTo("processing");

    sweepAfter(Duration.ofSeconds(45));
    assertThat(requests(id)).as("a lapsed lease resumes once, not at every sweep").isEqualTo(2);

    UUID resumer = UUID.randomUUID();
    heartbeat(resumer, 20);
    publish(
        Topics.OUTCOMES,
        id.toString(),
        new GenerationStarted(
            UUID.randomUUID(), Instant.now(), 3, id, "vid-lease-1", null, resumer));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> resumer.toString().equals(column(id, "worker_id")));
    assertThat(column(id, "provider_task_id")).isEqualTo("vid-lease-1");
  }

  @Test
  void a_live_worker_keeps_its_videos_however_long_they_run() throws Exception {
    UUID live = UUID.randomUUID();
    UUID id = videoHeldBy(live, "vid-lease-2");

    for (int i = 1; i <= 4; i++) {
      clock.reset();
      clock.advance(Duration.ofSeconds(15L * i));
      heartbeat(live, 20);
      assertThat(sweeper.sweep().redispatched()).isZero();
    }
    assertThat(requests(id))
        .as("renewed every 15 s of a minute: never resumed elsewhere")
        .isEqualTo(1);
    assertThat(column(id, "worker_id")).isEqualTo(live.toString());
  }

  @Test
  void a_lease_is_capped_and_a_late_older_heartbeat_does_not_shorten_it() throws Exception {
    UUID worker = UUID.randomUUID();
    heartbeat(worker, 3600);
    Instant capped = expiry(worker);
    assertThat(Duration.between(Instant.now(), capped))
        .as("at most 5 minutes")
        .isLessThanOrEqualTo(WorkerLeases.MAX_LEASE);

    Instant renewed = renewedAt(worker);
    publish(
        Topics.HEARTBEATS,
        worker.toString(),
        new WorkerHeartbeat(UUID.randomUUID(), Instant.now(), 1, worker, 5));
    await().atMost(Duration.ofSeconds(20)).until(() -> renewedAt(worker).isAfter(renewed));
    assertThat(expiry(worker)).isEqualTo(capped);
  }

  @Test
  void a_video_whose_worker_sent_no_id_waits_for_the_stall_rule() throws Exception {
    long user = newUserId();
    grant(user, 100);
    UUID id = startVideo(user);
    publish(
        Topics.OUTCOMES,
        id.toString(),
        new GenerationStarted(UUID.randomUUID(), Instant.now(), 2, id, "vid-lease-3", null, null));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> "vid-lease-3".equals(column(id, "provider_task_id")));

    sweepAfter(Duration.ofMinutes(2));
    assertThat(requests(id)).isEqualTo(1);
    sweepAfter(Duration.ofMinutes(6));
    assertThat(requests(id)).isEqualTo(2);
  }
}

package dev.nanogen.gateway.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.gateway.IntegrationTest;
import dev.nanogen.model.GenerationHandedBack;
import dev.nanogen.model.GenerationStarted;
import dev.nanogen.model.GenerationSubmitting;
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
  @Autowired WorkerLeases leases;

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

  /** A claim of {@code worker} (a fenced one, as current workers send), answered or not. */
  private UUID claim(UUID id, UUID worker) throws Exception {
    return claim(id, worker, UUID.randomUUID());
  }

  /** The claim {@code claim} of {@code worker}, sent (again). */
  private UUID claim(UUID id, UUID worker, UUID claim) throws Exception {
    publish(
        Topics.OUTCOMES,
        id.toString(),
        new GenerationStarted(
            UUID.randomUUID(),
            Instant.now(),
            GenerationStarted.SCHEMA_VERSION,
            id,
            null,
            claim,
            worker));
    return claim;
  }

  /** The gateway's answers to claims of this generation, in order: granted or not, by claim. */
  private java.util.List<String> claimAnswers(UUID id) {
    return jdbc
        .sql(
            "SELECT payload FROM outbox WHERE message_key = :k AND event_type = 'GenerationClaimed' ORDER BY id")
        .param("k", id.toString())
        .query(String.class)
        .list()
        .stream()
        .map(JSON::readTree)
        .map(a -> a.path("claim_id").asString() + "=" + a.path("granted").asBoolean())
        .toList();
  }

  private boolean processed(UUID eventId) {
    return jdbc.sql("SELECT count(*) FROM processed_events WHERE event_id = :e")
            .param("e", eventId)
            .query(Long.class)
            .single()
        == 1;
  }

  @Test
  void
      a_claim_read_after_its_workers_lease_ran_out_is_not_answered_and_the_generation_is_dispatched_again_at_once()
          throws Exception {
    long user = newUserId();
    grant(user, 100);
    UUID id = startVideo(user);
    UUID dead = UUID.randomUUID();
    heartbeat(dead, 20);

    // The gateway was frozen 30 s while the worker claimed, and the worker died meanwhile.
    clock.advance(Duration.ofSeconds(30));
    UUID stale = claim(id, dead);
    await().atMost(Duration.ofSeconds(20)).until(() -> requests(id) == 2);
    assertThat(claimAnswers(id)).as("nobody is told to submit").isEmpty();
    assertThat(column(id, "status")).isEqualTo("pending");

    clock.reset();
    UUID next = UUID.randomUUID();
    heartbeat(next, 20);
    UUID granted = claim(id, next);
    await().atMost(Duration.ofSeconds(20)).until(() -> claimAnswers(id).size() == 1);
    assertThat(claimAnswers(id)).containsExactly(granted + "=true");
    assertThat(column(id, "claim_id")).isEqualTo(granted.toString()).isNotEqualTo(stale.toString());
  }

  @Test
  void a_stale_claim_of_a_live_worker_is_not_answered_and_its_fresh_repeat_is() throws Exception {
    long user = newUserId();
    grant(user, 100);
    UUID id = startVideo(user);
    UUID live = UUID.randomUUID();
    heartbeat(live, 60);

    clock.advance(Duration.ofSeconds(30));
    UUID repeated = claim(id, live);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> live.toString().equals(column(id, "worker_id")));
    assertThat(claimAnswers(id)).isEmpty();
    assertThat(requests(id)).as("its worker is alive: it repeats the claim").isEqualTo(1);

    clock.reset();
    claim(id, live, repeated);
    await().atMost(Duration.ofSeconds(20)).until(() -> claimAnswers(id).size() == 1);
    assertThat(claimAnswers(id)).containsExactly(repeated + "=true");
  }

  @Test
  void
      a_granted_claim_whose_worker_died_before_announcing_a_submission_is_dispatched_again_once_its_lease_ran_out()
          throws Exception {
    long user = newUserId();
    grant(user, 100);
    UUID id = startVideo(user);
    UUID dead = UUID.randomUUID();
    heartbeat(dead, 20);
    UUID first = claim(id, dead);
    await().atMost(Duration.ofSeconds(20)).until(() -> claimAnswers(id).size() == 1);
    assertThat(column(id, "status")).isEqualTo("processing");

    sweepAfter(Duration.ofSeconds(10));
    assertThat(requests(id)).as("its lease still runs").isEqualTo(1);

    sweepAfter(Duration.ofSeconds(25));
    assertThat(requests(id)).as("certainly not submitted: dispatched again").isEqualTo(2);
    assertThat(column(id, "claim_id")).isNull();
    assertThat(lastRequestTask(id)).isNull();

    clock.reset();
    UUID next = UUID.randomUUID();
    heartbeat(next, 20);
    UUID second = claim(id, next);
    await().atMost(Duration.ofSeconds(20)).until(() -> claimAnswers(id).size() == 2);
    assertThat(claimAnswers(id)).containsExactly(first + "=true", second + "=true");
  }

  @Test
  void an_announced_submission_is_never_handed_to_another_claim_by_a_hand_back_or_the_sweeper()
      throws Exception {
    long user = newUserId();
    grant(user, 100);
    UUID id =
        UUID.fromString(
            json(start(user, "flux-pro", "announced " + UUID.randomUUID()))
                .path("generation_id")
                .asString());
    UUID dying = UUID.randomUUID();
    heartbeat(dying, 20);
    UUID first = claim(id, dying);
    await().atMost(Duration.ofSeconds(20)).until(() -> claimAnswers(id).size() == 1);
    publish(
        Topics.OUTCOMES,
        id.toString(),
        new GenerationSubmitting(UUID.randomUUID(), Instant.now(), 1, id, first, dying));
    await().atMost(Duration.ofSeconds(20)).until(() -> column(id, "submitted_at") != null);
    publish(
        Topics.OUTCOMES,
        id.toString(),
        new GenerationHandedBack(
            UUID.randomUUID(), Instant.now(), 3, id, null, "worker stopping", null, first));
    await().atMost(Duration.ofSeconds(20)).until(() -> requests(id) == 2);
    assertThat(column(id, "claim_id"))
        .as("kept: it may be at the provider")
        .isEqualTo(first.toString());

    sweepAfter(Duration.ofSeconds(40));
    assertThat(requests(id)).isEqualTo(2);

    clock.reset();
    UUID other = UUID.randomUUID();
    heartbeat(other, 20);
    UUID second = claim(id, other);
    await().atMost(Duration.ofSeconds(20)).until(() -> claimAnswers(id).size() == 2);
    assertThat(claimAnswers(id)).containsExactly(first + "=true", second + "=false");
  }

  @Test
  void a_hand_back_naming_another_claim_than_the_generations_releases_nothing() throws Exception {
    long user = newUserId();
    grant(user, 100);
    UUID id = startVideo(user);
    UUID worker = UUID.randomUUID();
    heartbeat(worker, 20);
    UUID held = claim(id, worker);
    await().atMost(Duration.ofSeconds(20)).until(() -> claimAnswers(id).size() == 1);

    UUID handBack = UUID.randomUUID();
    publish(
        Topics.OUTCOMES,
        id.toString(),
        new GenerationHandedBack(
            handBack, Instant.now(), 3, id, null, "worker stopping", null, UUID.randomUUID()));
    await().atMost(Duration.ofSeconds(20)).until(() -> processed(handBack));

    assertThat(column(id, "claim_id")).isEqualTo(held.toString());
    assertThat(requests(id)).isEqualTo(1);
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
      // Taken by the broker "now" as well: this test moves the gateway's time, not the broker's.
      leases.renew(
          new WorkerHeartbeat(UUID.randomUUID(), clock.instant(), 1, live, 20), clock.instant());
      sweeper.sweep(); // other tests' generations may be swept; this one must not
      assertThat(requests(id)).as("after %d s", 15 * i).isEqualTo(1);
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

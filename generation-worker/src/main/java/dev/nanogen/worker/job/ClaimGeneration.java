package dev.nanogen.worker.job;

import dev.nanogen.model.FailureCode;
import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.GenerationStarted;
import dev.nanogen.model.GenerationSubmitting;
import dev.nanogen.ops.Backoff;
import dev.nanogen.worker.aiml.ProviderError;
import dev.nanogen.worker.config.WorkerProperties;
import dev.nanogen.worker.lease.WorkerLease;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The worker's side of the claim protocol with the gateway: a claim (GenerationStarted with a claim
 * id) that only a granted answer lets through to the provider, and the announcement of a submission
 * (GenerationSubmitting) before the first provider call. A resumed video task is announced with
 * GenerationStarted carrying its task id and route.
 */
@Component
class ClaimGeneration {
  private static final Logger log = LoggerFactory.getLogger(ClaimGeneration.class);

  /** How long a submission's announcement may wait for the broker. */
  static final Duration ANNOUNCE_WAIT = Duration.ofSeconds(5);

  private final Claims claims;
  private final OutcomePublisher outcomes;
  private final WorkerLease lease;
  private final StopSignal stop;
  private final Clock clock;
  private final MeterRegistry meters;

  /** The waits for an answer to a claim: doubled after each unanswered one, at most 30 s. */
  private final Backoff claimWaits;

  ClaimGeneration(
      Claims claims,
      OutcomePublisher outcomes,
      WorkerLease lease,
      StopSignal stop,
      Clock clock,
      WorkerProperties properties,
      MeterRegistry meters) {
    this.claims = claims;
    this.outcomes = outcomes;
    this.lease = lease;
    this.stop = stop;
    this.clock = clock;
    this.meters = meters;
    Duration first = properties.worker().claimWait();
    this.claimWaits =
        Backoff.doubling(
            first, first.compareTo(Duration.ofSeconds(30)) > 0 ? first : Duration.ofSeconds(30));
  }

  /**
   * Claims the generation and waits for the gateway's answer: only a granted claim is submitted.
   * The claim is repeated (same claim id) when no answer came within {@code claim-wait}, the wait
   * growing each time, until the deadline.
   *
   * @param onStarted called once the first claim is in Kafka (the caller commits the request's
   *     offset then)
   * @return the granted claim's id
   * @throws Halt.NotClaimed when the gateway refused (cancelled, ended, or another attempt's) or
   *     the deadline passed unanswered
   */
  UUID claim(GenerationRequested request, Runnable onStarted) {
    UUID claimId = UUID.randomUUID();
    claims.expect(claimId);
    long asked = System.nanoTime();
    try {
      started(request, null, null, claimId, onStarted);
      for (int unanswered = 1; ; unanswered++) {
        Duration wait = claimWaits.delay(unanswered);
        Optional<Boolean> answer = claims.await(claimId, wait);
        if (answer.isPresent()) {
          Timer.builder("nanogen.worker.claim.wait")
              .description("from a claim to the gateway's answer")
              .tag("granted", answer.get().toString())
              .publishPercentileHistogram()
              .register(meters)
              .record(System.nanoTime() - asked, TimeUnit.NANOSECONDS);
          if (!answer.get()) {
            throw new Halt.NotClaimed();
          }
          return claimId;
        }
        stop.check();
        if (!clock.instant().isBefore(request.deadline())) {
          throw new Halt.NotClaimed();
        }
        log.info(
            "generation {}: no answer to claim {} within {}; claiming again",
            request.generationId(),
            claimId,
            wait);
        started(request, null, null, claimId, () -> {});
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Halt.Stopping();
    } finally {
      claims.forget(claimId);
    }
  }

  /**
   * Tells the gateway, before the first provider call, that this granted claim is being submitted
   * (GenerationSubmitting, acknowledged by the broker) — only while this worker's lease surely
   * holds, so the gateway, which dispatches an unsent claim again once that lease ran out, has read
   * the announcement before any other worker's claim. Without a lease, or without the broker's
   * acknowledgement, nothing was sent: the generation is handed back ({@link Halt.Unsent}).
   */
  void announceSubmission(GenerationRequested request, Progress progress) {
    stop.check();
    UUID id = request.generationId();
    GenerationSubmitting submitting =
        new GenerationSubmitting(
            UUID.randomUUID(),
            clock.instant(),
            GenerationSubmitting.SCHEMA_VERSION,
            id,
            progress.claimId,
            lease.workerId());
    if (!lease.holds() || !outcomes.publishOnce(id, submitting, ANNOUNCE_WAIT)) {
      throw new Halt.Unsent("no lease or no acknowledgement before the submission");
    }
    progress.sent = true;
    if (!lease.holds()) {
      throw new ProviderError(
          FailureCode.TIMEOUT,
          false,
          "the worker's lease ran out while it announced the submission; not sent");
    }
  }

  /** Tells the gateway which provider task (on which route) this worker now runs. */
  void runs(GenerationRequested request, String taskId, String route, Runnable onStarted) {
    started(request, taskId, route, null, onStarted);
  }

  private void started(
      GenerationRequested request, String taskId, String route, UUID claimId, Runnable onStarted) {
    outcomes.publish(
        request.generationId(),
        new GenerationStarted(
            UUID.randomUUID(),
            clock.instant(),
            GenerationStarted.SCHEMA_VERSION,
            request.generationId(),
            taskId,
            claimId,
            lease.workerId(),
            route));
    onStarted.run();
  }
}

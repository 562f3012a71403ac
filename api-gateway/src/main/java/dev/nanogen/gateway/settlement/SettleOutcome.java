package dev.nanogen.gateway.settlement;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.generation.Dispatch;
import dev.nanogen.gateway.generation.Ending;
import dev.nanogen.gateway.generation.GenerationMetrics;
import dev.nanogen.gateway.generation.GenerationTransitions;
import dev.nanogen.gateway.recovery.WorkerLeases;
import dev.nanogen.model.GenerationFailed;
import dev.nanogen.model.GenerationHandedBack;
import dev.nanogen.model.GenerationStarted;
import dev.nanogen.model.GenerationSubmitting;
import dev.nanogen.model.GenerationSucceeded;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Applies one worker outcome in one transaction: remember its event id (a redelivered event stops
 * here), then the conditional transition — which captures or releases the hold and queues
 * GenerationSettled in the same transaction. An outcome for a generation that already ended (say,
 * cancelled by the user) changes nothing.
 */
@Component
class SettleOutcome {
  private static final Logger log = LoggerFactory.getLogger(SettleOutcome.class);

  private final ProcessedEvents processed;
  private final TransactionTemplate tx;
  private final GenerationTransitions transitions;
  private final Dispatch dispatch;
  private final Clock clock;
  private final WorkerLeases leases;
  private final GenerationMetrics metrics;
  private final Duration claimFreshFor;

  SettleOutcome(
      ProcessedEvents processed,
      TransactionTemplate tx,
      GenerationTransitions transitions,
      Dispatch dispatch,
      Clock clock,
      WorkerLeases leases,
      GenerationMetrics metrics,
      NanogenProperties properties) {
    this.leases = leases;
    this.metrics = metrics;
    this.claimFreshFor = properties.sweeper().claimFreshFor();
    this.processed = processed;
    this.tx = tx;
    this.transitions = transitions;
    this.dispatch = dispatch;
    this.clock = clock;
  }

  /**
   * A worker's claim (no task yet) is answered — when it is fresh ({@code claim-fresh-for} since
   * the broker took it) and its worker's lease has not run out. Otherwise it is not answered, since
   * its worker may be dead: a live one repeats it; a pending generation whose claimant's lease ran
   * out is dispatched again at once, and one whose claimant is still within its lease is dispatched
   * again by the sweeper when that lease runs out. A provider task id is recorded.
   */
  void on(GenerationStarted event, Instant takenAt, String traceparent) {
    if (event.claimId() != null && event.providerTaskId() == null) {
      apply(event.eventId(), () -> claim(event, takenAt, traceparent));
    } else {
      apply(
          event.eventId(),
          () ->
              transitions.markProcessing(
                  event.generationId(),
                  event.providerTaskId(),
                  event.route(),
                  event.workerId(),
                  "picked up by a worker",
                  traceparent));
    }
  }

  private boolean claim(GenerationStarted event, Instant takenAt, String traceparent) {
    Instant now = clock.instant();
    UUID id = event.generationId();
    boolean lapsed = leases.lapsed(event.workerId(), now);
    if (lapsed || Duration.between(takenAt, now).compareTo(claimFreshFor) > 0) {
      log.warn(
          "generation {}: claim {} of worker {} not answered ({}, taken {} ago)",
          id,
          event.claimId(),
          event.workerId(),
          lapsed ? "its lease ran out" : "stale",
          Duration.between(takenAt, now));
      metrics.claimUnanswered(lapsed ? "lease_lapsed" : "stale");
      return lapsed
          ? dispatch.againIfPending(id, now, traceparent)
          : transitions.noteClaimant(id, event.workerId());
    }
    return transitions.claim(
        id,
        event.claimId(),
        event.workerId(),
        event.schemaVersion() >= GenerationStarted.FENCED_CLAIMS,
        "claimed by a worker",
        traceparent);
  }

  /**
   * A worker is about to submit under its claim: from now on the generation may be at the provider,
   * and nothing hands it to another submission.
   */
  void on(GenerationSubmitting event) {
    apply(event.eventId(), () -> transitions.submitting(event.generationId(), event.claimId()));
  }

  /**
   * A stopping worker gave the generation back: another worker takes it over (a resume if it has a
   * task).
   */
  void on(GenerationHandedBack event, String traceparent) {
    apply(
        event.eventId(),
        () ->
            dispatch.handBack(
                event.generationId(),
                event.providerTaskId(),
                event.route(),
                event.claimId(),
                clock.instant(),
                traceparent));
  }

  void on(GenerationSucceeded event, String traceparent) {
    apply(
        event.eventId(),
        () ->
            transitions.finish(
                event.generationId(),
                Ending.completed(event.resultUrls(), event.route(), event.providerCost()),
                traceparent));
  }

  void on(GenerationFailed event, String traceparent) {
    apply(
        event.eventId(),
        () ->
            transitions.finish(
                event.generationId(),
                Ending.failed(
                    event.failure(), event.errorMessage(), "failed: " + event.errorCode()),
                traceparent));
  }

  private void apply(UUID eventId, java.util.function.BooleanSupplier transition) {
    tx.executeWithoutResult(
        status -> {
          if (!processed.firstTime(eventId)) {
            log.info("event {} already applied; skipped", eventId);
          } else if (!transition.getAsBoolean()) {
            log.info("event {} arrived after its generation ended; ignored", eventId);
          }
        });
  }
}

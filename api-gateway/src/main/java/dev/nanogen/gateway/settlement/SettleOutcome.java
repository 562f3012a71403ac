package dev.nanogen.gateway.settlement;

import dev.nanogen.gateway.generation.Dispatch;
import dev.nanogen.gateway.generation.Ending;
import dev.nanogen.gateway.generation.GenerationTransitions;
import dev.nanogen.model.GenerationFailed;
import dev.nanogen.model.GenerationHandedBack;
import dev.nanogen.model.GenerationStarted;
import dev.nanogen.model.GenerationSucceeded;
import java.time.Clock;
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

  SettleOutcome(
      ProcessedEvents processed,
      TransactionTemplate tx,
      GenerationTransitions transitions,
      Dispatch dispatch,
      Clock clock) {
    this.processed = processed;
    this.tx = tx;
    this.transitions = transitions;
    this.dispatch = dispatch;
    this.clock = clock;
  }

  /** A worker's claim (no task yet) is answered; a provider task id is recorded. */
  void on(GenerationStarted event, String traceparent) {
    if (event.claimId() != null && event.providerTaskId() == null) {
      apply(
          event.eventId(),
          () ->
              transitions.claim(
                  event.generationId(),
                  event.claimId(),
                  event.workerId(),
                  "claimed by a worker",
                  traceparent));
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
                    event.errorCode(), event.errorMessage(), "failed: " + event.errorCode()),
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

package dev.nanogen.gateway.recovery;

import dev.nanogen.gateway.generation.Ending;
import dev.nanogen.gateway.generation.GenerationTransitions;
import dev.nanogen.gateway.generation.Generations;
import dev.nanogen.model.FailureCode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Fails every open generation past its deadline with TIMEOUT and releases its hold, through the
 * same conditional transition as any other ending (so a worker's outcome racing it changes nothing,
 * and a GenerationSettled tells the user). Replicas sweep disjoint rows (SKIP LOCKED).
 *
 * <p>Each row ends under a savepoint of its own: a row whose ending throws is rolled back alone,
 * parked ({@code sweep_parked_at}) so that it never again comes first and stops the rest, logged
 * and counted ({@code nanogen_sweeper_parked_total}, alert NanoGenSweepParked); the others end.
 */
@Component
class ExpireOverdue {
  private final Generations generations;
  private final TransactionTemplate tx;
  private final GenerationTransitions transitions;
  private final io.micrometer.core.instrument.Counter parked;
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(ExpireOverdue.class);

  ExpireOverdue(
      Generations generations,
      TransactionTemplate tx,
      GenerationTransitions transitions,
      io.micrometer.core.instrument.MeterRegistry meters) {
    this.parked =
        io.micrometer.core.instrument.Counter.builder("nanogen.sweeper.parked")
            .description("overdue generations whose ending threw, parked for an operator")
            .register(meters);
    this.generations = generations;
    this.tx = tx;
    this.transitions = transitions;
  }

  private void park(UUID id, Instant now, RuntimeException cause) {
    generations.parkSweep(id, now);
    parked.increment();
    log.error(
        "generation {} could not be timed out and is parked; the sweep goes on without it: {}",
        id,
        cause.toString());
  }

  /** Returns how many generations it failed. */
  int sweep(Instant now, int limit) {
    Integer expired =
        tx.execute(
            status -> {
              List<UUID> overdue = generations.lockOverdue(now, limit);
              int count = 0;
              for (UUID id : overdue) {
                Object savepoint = status.createSavepoint();
                try {
                  Ending timeout =
                      Ending.failed(
                          FailureCode.TIMEOUT,
                          "no result before the deadline",
                          "timed out (sweeper)");
                  if (transitions.finish(id, timeout, null)) {
                    count++;
                  }
                  status.releaseSavepoint(savepoint);
                } catch (RuntimeException e) {
                  status.rollbackToSavepoint(savepoint);
                  park(id, now, e);
                }
              }
              return count;
            });
    return expired == null ? 0 : expired;
  }
}

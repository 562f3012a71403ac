package dev.nanogen.gateway.generation;

import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.model.GenerationStatus;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Cancels a pending generation of the caller — one not yet claimed by a worker, so never submitted
 * to the provider: the same conditional transition as every other ending, releasing the hold. Once
 * a worker holds the claim (processing), 409 GENERATION_NOT_CANCELLABLE: the provider may already
 * work on it, and its outcome captures or releases the hold as usual.
 */
@Component
class CancelGeneration {
  private final TransactionTemplate tx;
  private final GenerationTransitions transitions;
  private final Generations generations;

  CancelGeneration(
      TransactionTemplate tx, GenerationTransitions transitions, Generations generations) {
    this.tx = tx;
    this.transitions = transitions;
    this.generations = generations;
  }

  Generations.View cancel(long userId, UUID id) {
    Generations.View before = generations.find(userId, id).orElseThrow(() -> notFound(id));
    boolean cancelled =
        Boolean.TRUE.equals(
            tx.execute(
                status -> transitions.finish(id, Ending.cancelled("cancelled by user"), null)));
    if (!cancelled) {
      String why =
          GenerationStatus.PENDING.wire().equals(before.status())
                  || GenerationStatus.PROCESSING.wire().equals(before.status())
              ? "is already with the provider"
              : "has already ended";
      throw new AppError(ErrorCode.GENERATION_NOT_CANCELLABLE, "generation " + id + " " + why);
    }
    return generations.find(userId, id).orElseThrow(() -> notFound(id));
  }

  static AppError notFound(UUID id) {
    return new AppError(ErrorCode.GENERATION_NOT_FOUND, "no generation " + id);
  }
}

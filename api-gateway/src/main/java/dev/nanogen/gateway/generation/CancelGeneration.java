package dev.nanogen.gateway.generation;

import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.web.CorrelationId;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Cancels a pending or processing generation of the caller: the same conditional transition as
 * every other ending, releasing the hold. A worker's late outcome then finds no active row and is
 * ignored.
 */
@Component
class CancelGeneration {
  private final TransactionTemplate tx;
  private final GenerationTransitions transitions;
  private final Generations generations;

  CancelGeneration(TransactionTemplate tx, GenerationTransitions transitions, Generations generations) {
    this.tx = tx;
    this.transitions = transitions;
    this.generations = generations;
  }

  Generations.View cancel(long userId, UUID id) {
    generations.find(userId, id).orElseThrow(() -> notFound(id));
    boolean cancelled =
        Boolean.TRUE.equals(
            tx.execute(
                status ->
                    transitions.finish(
                        id, Ending.cancelled("cancelled by user"), CorrelationId.current())));
    if (!cancelled) {
      throw new AppError(
          ErrorCode.GENERATION_NOT_CANCELLABLE, "generation " + id + " has already ended");
    }
    return generations.find(userId, id).orElseThrow(() -> notFound(id));
  }

  static AppError notFound(UUID id) {
    return new AppError(ErrorCode.GENERATION_NOT_FOUND, "no generation " + id);
  }
}

package dev.nanogen.gateway.recovery;

import dev.nanogen.gateway.generation.Dispatch;
import dev.nanogen.gateway.generation.Generations;
import dev.nanogen.gateway.outbox.Outbox;
import dev.nanogen.model.GenerationRequested;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Hands stalled generations to the workers again ({@link Dispatch#again}): a pending one whose
 * request was dispatched long ago and is no longer waiting in the outbox gets its request published
 * again; so does, once its worker's lease ran out, one whose claim that worker never announced a
 * submission under (claimed but certainly not submitted: a pending one whose claim went unanswered,
 * or a processing one whose fenced claim was granted) — its claim is released; a processing one
 * with a provider task (a video) gets a resume — the request with its task id — so a live worker
 * polls that task instead of submitting anew: at once when the worker holding it let its lease run
 * out (killed, frozen, cut off: {@link WorkerLeases}), else when it has not finished long after its
 * last dispatch (a worker that lost it while alive, or sent no worker id). A processing generation
 * that may have been submitted without a task to resume (an image whose submission was announced,
 * or a claim of a worker that announces nothing) is never submitted again: if its worker died, the
 * deadline fails it and releases the hold.
 *
 * <p>A generation whose request the outbox still holds (Kafka down, a backlog) is not stalled, only
 * queued: its dispatch time is moved to now, so it is looked at again one stall period later, and
 * the sweep's batch moves on to the next.
 */
@Component
class RedispatchStalled {
  private final Generations generations;
  private final WorkerLeases leases;
  private final TransactionTemplate tx;
  private final Dispatch dispatch;
  private final Outbox outbox;

  RedispatchStalled(
      Generations generations,
      WorkerLeases leases,
      TransactionTemplate tx,
      Dispatch dispatch,
      Outbox outbox) {
    this.generations = generations;
    this.leases = leases;
    this.tx = tx;
    this.dispatch = dispatch;
    this.outbox = outbox;
  }

  /** Returns how many generations it dispatched again. */
  int sweep(Instant now, Instant pendingBefore, Instant processingBefore, int limit) {
    Integer count =
        tx.execute(
            status -> {
              List<Generations.Stalled> stalled =
                  generations.lockStalled(
                      now, pendingBefore, processingBefore, leases.lapsed(now), limit);
              Set<UUID> queued =
                  outbox.queued(
                      GenerationRequested.class,
                      stalled.stream().map(Generations.Stalled::id).toList());
              generations.dispatchedAt(queued, now);
              int again = 0;
              for (Generations.Stalled g : stalled) {
                if (!queued.contains(g.id())) {
                  dispatch.again(g.id(), now, g.traceparent());
                  again++;
                }
              }
              return again;
            });
    return count == null ? 0 : count;
  }
}

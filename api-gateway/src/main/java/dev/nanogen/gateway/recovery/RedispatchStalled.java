package dev.nanogen.gateway.recovery;

import dev.nanogen.gateway.generation.Dispatch;
import dev.nanogen.gateway.outbox.Outbox;
import dev.nanogen.model.GenerationRequested;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
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
  /**
   * :pendingBefore — pending and dispatched before this :processingBefore — processing and
   * dispatched before this :now — not yet past the deadline (ExpireOverdue ends those); a lease
   * that ran out before it is lapsed :limit — rows per sweep
   */
  private static final String CLAIM_STALLED =
      """
      SELECT g.id, g.traceparent
      FROM generations g
      WHERE g.status IN ('pending', 'processing') AND g.timeout_at > :now
        AND ((g.status = 'pending' AND g.dispatched_at < :pendingBefore)
             OR (g.status = 'processing' AND g.provider_task_id IS NOT NULL
                 AND (g.dispatched_at < :processingBefore
                      OR EXISTS (SELECT 1 FROM worker_leases l
                                 WHERE l.worker_id = g.worker_id AND l.expires_at < :now)))
             OR (g.provider_task_id IS NULL AND g.submitted_at IS NULL
                 AND (g.status = 'pending' OR g.claim_fenced)
                 AND EXISTS (SELECT 1 FROM worker_leases l
                             WHERE l.worker_id = g.worker_id AND l.expires_at < :now)))
      ORDER BY g.dispatched_at
      LIMIT :limit
      FOR UPDATE OF g SKIP LOCKED
      """;

  private static final String STILL_QUEUED =
      "UPDATE generations SET dispatched_at = :now WHERE id IN (:ids)";

  private record Stalled(UUID id, String traceparent) {}

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final Dispatch dispatch;
  private final Outbox outbox;

  RedispatchStalled(JdbcClient jdbc, TransactionTemplate tx, Dispatch dispatch, Outbox outbox) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.dispatch = dispatch;
    this.outbox = outbox;
  }

  /** Returns how many generations it dispatched again. */
  int sweep(Instant now, Instant pendingBefore, Instant processingBefore, int limit) {
    Integer count =
        tx.execute(
            status -> {
              List<Stalled> stalled =
                  jdbc.sql(CLAIM_STALLED)
                      .param("now", Timestamp.from(now))
                      .param("pendingBefore", Timestamp.from(pendingBefore))
                      .param("processingBefore", Timestamp.from(processingBefore))
                      .param("limit", limit)
                      .query(Stalled.class)
                      .list();
              Set<UUID> queued =
                  outbox.queued(
                      GenerationRequested.class, stalled.stream().map(Stalled::id).toList());
              if (!queued.isEmpty()) {
                jdbc.sql(STILL_QUEUED)
                    .param("ids", queued)
                    .param("now", Timestamp.from(now))
                    .update();
              }
              int again = 0;
              for (Stalled g : stalled) {
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

package dev.nanogen.gateway.recovery;

import dev.nanogen.gateway.generation.Dispatch;
import dev.nanogen.gateway.outbox.PendingPlans;
import dev.nanogen.model.ModelKind;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Hands stalled generations to the workers again: a pending one whose request was dispatched long
 * ago and whose request is no longer waiting in the outbox gets its request published again; a
 * processing one with a provider task (a video) gets a resume — the request with its task id — so a
 * live worker polls that task instead of submitting anew: at once when the worker holding it let its
 * lease run out (killed, frozen, cut off: {@link WorkerLeases}), else when it has not finished long
 * after its last dispatch (a worker that lost it while alive, or sent no worker id). A processing image (a synchronous call, no task to resume) is never re-submitted:
 * if its worker died, the deadline fails it and releases the hold.
 * Both go out through the outbox, in the transaction that records the new dispatch time.
 *
 * <p>A generation a stopping worker handed back (GenerationHandedBack) is dispatched again the same
 * way, at once, without waiting to look stalled — an image too, since its worker says it stopped.
 */
@Component
public class RedispatchStalled {
  /**
   * :pendingBefore    — pending and dispatched before this
   * :processingBefore — processing and dispatched before this
   * :now              — not yet past the deadline (ExpireOverdue ends those); a lease that ran out
   *                     before it is lapsed
   * :limit            — rows per sweep
   * A request still unpublished in the outbox is not stalled, only queued: skipped.
   */
  private static final String CLAIM_STALLED =
      """
      SELECT g.id, g.user_id, g.model_id, m.provider_model, m.kind, g.prompt, g.params, g.outputs,
             g.timeout_at, g.provider_task_id, g.traceparent
      FROM generations g JOIN models m ON m.id = g.model_id
      WHERE g.status IN ('pending', 'processing') AND g.timeout_at > :now
        AND ((g.status = 'pending' AND g.dispatched_at < :pendingBefore)
             OR (g.status = 'processing' AND g.provider_task_id IS NOT NULL
                 AND (g.dispatched_at < :processingBefore
                      OR EXISTS (SELECT 1 FROM worker_leases l
                                 WHERE l.worker_id = g.worker_id AND l.expires_at < :now))))
        AND NOT EXISTS (SELECT 1 FROM outbox_pending p JOIN outbox o ON o.id = p.id
                        WHERE NOT p.blocked AND o.message_key = g.id::text
                          AND o.event_type = 'GenerationRequested')
      ORDER BY g.dispatched_at
      LIMIT :limit
      FOR UPDATE OF g SKIP LOCKED
      """;

  /**
   * One active generation, locked; the task id a hand-back names is kept if none was known. Without a
   * task, the worker gave the job back before submitting it (or abandoned a synchronous call): its
   * claim is released, so the next worker's claim is granted.
   */
  private static final String CLAIM_HANDED_BACK =
      """
      UPDATE generations g
      SET provider_task_id = COALESCE(g.provider_task_id, :taskId), dispatched_at = :now, worker_id = NULL,
          claim_id = CASE WHEN COALESCE(g.provider_task_id, :taskId) IS NULL THEN NULL ELSE g.claim_id END
      FROM models m
      WHERE g.id = :id AND m.id = g.model_id
        AND g.status IN ('pending', 'processing') AND g.timeout_at > :now
      RETURNING g.id, g.user_id, g.model_id, m.provider_model, m.kind, g.prompt, g.params, g.outputs,
                g.timeout_at, g.provider_task_id, g.traceparent
      """;

  private static final String MARK_DISPATCHED =
      "UPDATE generations SET dispatched_at = :now, worker_id = NULL WHERE id = :id";

  private record Stalled(
      UUID id,
      long userId,
      String modelId,
      String providerModel,
      String kind,
      String prompt,
      String params,
      int outputs,
      Timestamp timeoutAt,
      String providerTaskId,
      String traceparent) {}

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final Dispatch dispatch;
  private final JsonMapper json;

  RedispatchStalled(JdbcClient jdbc, TransactionTemplate tx, Dispatch dispatch, JsonMapper json) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.dispatch = dispatch;
    this.json = json;
  }

  /** Returns how many generations it dispatched again. */
  int sweep(Instant now, Instant pendingBefore, Instant processingBefore, int limit) {
    Integer count =
        tx.execute(
            status -> {
              PendingPlans.planAfresh(jdbc); // the anti-join on outbox_pending
              List<Stalled> stalled =
                  jdbc.sql(CLAIM_STALLED)
                      .param("now", Timestamp.from(now))
                      .param("pendingBefore", Timestamp.from(pendingBefore))
                      .param("processingBefore", Timestamp.from(processingBefore))
                      .param("limit", limit)
                      .query(Stalled.class)
                      .list();
              for (Stalled g : stalled) {
                jdbc.sql(MARK_DISPATCHED).param("id", g.id()).param("now", Timestamp.from(now)).update();
                dispatch(g, now, g.traceparent());
              }
              return stalled.size();
            });
    return count == null ? 0 : count;
  }

  /**
   * Dispatches a generation a stopping worker handed back, in the caller's transaction; false when
   * it has ended meanwhile (or is past its deadline: the sweeper ends it).
   */
  public boolean handBack(UUID id, String providerTaskId, Instant now, String traceparent) {
    return jdbc.sql(CLAIM_HANDED_BACK)
        .param("id", id)
        .param("taskId", providerTaskId)
        .param("now", Timestamp.from(now))
        .query(Stalled.class)
        .optional()
        .map(g -> {
          dispatch(g, now, traceparent);
          return true;
        })
        .orElse(false);
  }

  private void dispatch(Stalled g, Instant now, String traceparent) {
    dispatch.send(
        new Dispatch.Dispatched(
            g.id(),
            g.userId(),
            g.modelId(),
            g.providerModel(),
            ModelKind.fromWire(g.kind()),
            g.prompt(),
            json.readValue(g.params(), new TypeReference<Map<String, Object>>() {}),
            g.outputs(),
            g.timeoutAt().toInstant(),
            g.providerTaskId()),
        now,
        traceparent);
  }
}

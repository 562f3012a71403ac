package dev.nanogen.gateway.generation;

import dev.nanogen.gateway.outbox.Outbox;
import dev.nanogen.gateway.tx.Pipeline;
import dev.nanogen.gateway.uploads.InputUrls;
import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.Topics;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one way a generation reaches the workers: a GenerationRequested through the outbox, in the
 * caller's transaction. A first start ({@link #send}), the sweeper's re-dispatch of a stalled one
 * ({@link #again}) and a stopping worker's hand-back ({@link #handBack}) all send it from what the
 * database knows of the generation (never from an event), and record when it was dispatched.
 */
@Component
@Transactional(propagation = Propagation.MANDATORY)
public class Dispatch {
  private static final String STORED =
      """
      RETURNING g.id, g.user_id, g.model_id, m.provider_model, m.kind, g.prompt, g.params, g.outputs,
                g.timeout_at, g.provider_task_id, g.provider_route,
                array_to_string(g.input_ids, ',') AS input_ids, m.inputs::text AS inputs
      """;

  /**
   * Dispatched again now, to no worker yet. A claim certainly not submitted under (fenced, no task,
   * no announced submission) is released, so the next worker's claim is granted.
   */
  private static final String AGAIN =
      """
      UPDATE generations g SET dispatched_at = :now, worker_id = NULL,
          claim_id = CASE WHEN g.claim_fenced AND g.provider_task_id IS NULL AND g.submitted_at IS NULL
                          THEN NULL ELSE g.claim_id END
      FROM models m
      WHERE g.id = :id AND m.id = g.model_id AND g.status IN (:statuses)
      """
          + STORED;

  /**
   * An active generation handed back; the task id a hand-back names is kept if none was known. A
   * hand-back names the claim its worker held: one naming another claim than the generation's
   * changes nothing (that worker lost it long ago). Without a task and without an announced
   * submission, the worker gave the job back before submitting it: its claim is released, so the
   * next worker's claim is granted. A claim that may have been submitted (announced, or from a
   * worker that announces nothing) is never released: the provider's answer or the deadline ends
   * that generation.
   */
  private static final String HANDED_BACK =
      """
      UPDATE generations g
      SET provider_task_id = COALESCE(g.provider_task_id, :taskId), dispatched_at = :now, worker_id = NULL,
          provider_route = COALESCE(g.provider_route, CAST(:route AS text)),
          claim_id = CASE WHEN COALESCE(g.provider_task_id, :taskId) IS NULL AND g.submitted_at IS NULL
                               AND (g.claim_fenced OR g.claim_id IS NULL)
                          THEN NULL ELSE g.claim_id END
      FROM models m
      WHERE g.id = :id AND m.id = g.model_id
        AND g.status IN ('pending', 'processing') AND g.timeout_at > :now
        AND (CAST(:claimId AS uuid) IS NULL OR g.claim_id IS NULL OR g.claim_id = CAST(:claimId AS uuid))
      """
          + STORED;

  private record Stored(
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
      String providerRoute,
      String inputIds,
      String inputs) {}

  private final Outbox outbox;
  private final JdbcClient jdbc;
  private final JsonMapper json;
  private final InputUrls inputUrls;

  Dispatch(Outbox outbox, JdbcClient jdbc, JsonMapper json, InputUrls inputUrls) {
    this.outbox = outbox;
    this.jdbc = jdbc;
    this.json = json;
    this.inputUrls = inputUrls;
  }

  /**
   * The uploads a generation works on and where the provider takes them.
   *
   * @param ids the uploads, in order (none for a text-only start)
   * @param param the provider's field for their URLs
   * @param list whether it takes a list of URLs or one
   */
  public record Inputs(List<UUID> ids, String param, boolean list) {
    public static final Inputs NONE = new Inputs(List.of(), null, false);

    /** The ids as a PostgreSQL array literal, for a {@code uuid[]} column. */
    static String arrayLiteral(List<UUID> ids) {
      return ids.stream()
          .map(UUID::toString)
          .collect(java.util.stream.Collectors.joining(",", "{", "}"));
    }
  }

  /**
   * A generation as stored: what the worker needs to run it.
   *
   * @param params the provider params as validated and priced at the start
   * @param inputs the uploaded images it works on
   * @param outputs results paid for
   * @param providerTaskId a task already submitted (a resume), or null
   * @param route the provider route that accepted that task, or null
   */
  public record Dispatched(
      UUID id,
      long userId,
      String modelId,
      String providerModel,
      ModelKind kind,
      String prompt,
      Map<String, Object> params,
      Inputs inputs,
      int outputs,
      Instant deadline,
      String providerTaskId,
      String route) {}

  /**
   * A generation's first dispatch, written by its start in the same transaction. The uploads go to
   * the provider as URLs signed until the deadline, in the model's field; the same generation
   * dispatched again gets the same URLs. Written with {@code p}'s other statements.
   */
  public void send(Pipeline p, Dispatched g, Instant now, String traceparent) {
    outbox.append(p, Topics.REQUESTS, g.id(), requested(g, now), traceparent);
  }

  /** A dispatch again (a re-dispatch, a hand-back), in the caller's transaction. */
  private void send(Dispatched g, Instant now, String traceparent) {
    outbox.append(Topics.REQUESTS, g.id(), requested(g, now), traceparent);
  }

  private GenerationRequested requested(Dispatched g, Instant now) {
    return new GenerationRequested(
        UUID.randomUUID(),
        now,
        GenerationRequested.SCHEMA_VERSION,
        g.id(),
        g.userId(),
        g.modelId(),
        g.providerModel(),
        g.kind(),
        g.prompt(),
        withInputs(g),
        g.outputs(),
        g.deadline(),
        g.providerTaskId(),
        g.route());
  }

  private Map<String, Object> withInputs(Dispatched g) {
    if (g.inputs().ids().isEmpty()) {
      return g.params();
    }
    List<String> urls = inputUrls.signed(g.inputs().ids(), g.deadline());
    Map<String, Object> params = new java.util.LinkedHashMap<>(g.params());
    params.put(g.inputs().param(), g.inputs().list() ? urls : urls.getFirst());
    return params;
  }

  /** Dispatches a stalled generation (locked by the caller) again: a resume when it has a task. */
  public void again(UUID id, Instant now, String traceparent) {
    Stored g =
        jdbc.sql(AGAIN)
            .param("id", id)
            .param("now", Timestamp.from(now))
            .param("statuses", List.of("pending", "processing"))
            .query(Stored.class)
            .single();
    send(dispatched(g), now, traceparent);
  }

  /**
   * Dispatches a generation again if it is still pending (its claimant died before an answer);
   * false when it is not.
   */
  public boolean againIfPending(UUID id, Instant now, String traceparent) {
    return jdbc.sql(AGAIN)
        .param("id", id)
        .param("now", Timestamp.from(now))
        .param("statuses", List.of("pending"))
        .query(Stored.class)
        .optional()
        .map(g -> sent(g, now, traceparent))
        .orElse(false);
  }

  /**
   * Dispatches a generation a stopping worker handed back; false when it has ended meanwhile (or is
   * past its deadline: the sweeper ends it).
   */
  public boolean handBack(
      UUID id, String providerTaskId, String route, UUID claimId, Instant now, String traceparent) {
    return jdbc.sql(HANDED_BACK)
        .param("id", id)
        .param("taskId", providerTaskId)
        .param("route", route)
        .param("claimId", claimId)
        .param("now", Timestamp.from(now))
        .query(Stored.class)
        .optional()
        .map(g -> sent(g, now, traceparent))
        .orElse(false);
  }

  private boolean sent(Stored g, Instant now, String traceparent) {
    send(dispatched(g), now, traceparent);
    return true;
  }

  private Inputs inputs(Stored g) {
    if (g.inputIds() == null || g.inputIds().isEmpty()) {
      return Inputs.NONE;
    }
    tools.jackson.databind.JsonNode model = json.readTree(g.inputs());
    return new Inputs(
        java.util.Arrays.stream(g.inputIds().split(",")).map(UUID::fromString).toList(),
        model.path("param").asString(null),
        model.path("list").asBoolean(false));
  }

  private Dispatched dispatched(Stored g) {
    return new Dispatched(
        g.id(),
        g.userId(),
        g.modelId(),
        g.providerModel(),
        ModelKind.fromWire(g.kind()),
        g.prompt(),
        json.readValue(g.params(), new TypeReference<Map<String, Object>>() {}),
        inputs(g),
        g.outputs(),
        g.timeoutAt().toInstant(),
        g.providerTaskId(),
        g.providerRoute());
  }
}

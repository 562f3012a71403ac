package dev.nanogen.gateway.generation;

import dev.nanogen.gateway.ledger.Credits;
import dev.nanogen.gateway.outbox.Outbox;
import dev.nanogen.model.GenerationClaimed;
import dev.nanogen.model.GenerationStatus;
import dev.nanogen.model.Topics;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The only code that changes a generation's status after it was started. Every path that ends a
 * hold — a worker's outcome, a user's cancel, the timeout sweep, an admin — goes through {@link
 * #finish}: one conditional UPDATE from an active status, whose row count decides whether this
 * caller captures or releases the hold. A second caller finds no active row and changes nothing.
 */
@Component
@Transactional(propagation = Propagation.MANDATORY)
public class GenerationTransitions {
  private static final Logger log = LoggerFactory.getLogger(GenerationTransitions.class);

  /**
   * pending → processing, and the claim of a worker attempt (see {@link #claim}). Also records a
   * provider task id, which may arrive after the move, and which worker holds the generation now. A
   * processing generation takes a claim only when it is this attempt's already, or nobody's and
   * nothing may have been submitted (a hand-back or the sweeper released an unsent claim). A worker
   * resuming the known task takes it over.
   *
   * <ul>
   *   <li>{@code :id} the generation
   *   <li>{@code :claimId} the attempt asking to submit, or null (a task id being recorded, or a
   *       resume)
   *   <li>{@code :fenced} the claim's worker announces its submissions
   *   <li>{@code :taskId} the provider task, or null
   *   <li>{@code :workerId} the worker process sending it (its lease keeps the generation), or null
   * </ul>
   */
  private static final String MARK_PROCESSING =
      """
      WITH prior AS (SELECT id, status, claim_id, provider_task_id, submitted_at FROM generations WHERE id = :id FOR UPDATE)
      UPDATE generations g
      SET status = 'processing', provider_task_id = COALESCE(g.provider_task_id, CAST(:taskId AS text)),
          provider_route = COALESCE(g.provider_route, CAST(:route AS text)),
          claim_fenced = CASE WHEN g.claim_id IS NULL AND CAST(:claimId AS uuid) IS NOT NULL
                              THEN :fenced ELSE g.claim_fenced END,
          claim_id = COALESCE(g.claim_id, CAST(:claimId AS uuid)),
          worker_id = COALESCE(CAST(:workerId AS uuid), g.worker_id),
          started_at = COALESCE(g.started_at, :now), updated_at = :now
      FROM prior
      WHERE g.id = prior.id
        AND (prior.status = 'pending'
             OR (prior.status = 'processing'
                 AND ((CAST(:claimId AS uuid) IS NOT NULL
                       AND (prior.claim_id = CAST(:claimId AS uuid)
                            OR (prior.claim_id IS NULL AND prior.provider_task_id IS NULL
                                AND prior.submitted_at IS NULL)))
                      OR (prior.provider_task_id IS NULL AND CAST(:taskId AS text) IS NOT NULL)
                      OR (prior.provider_task_id = CAST(:taskId AS text) AND CAST(:workerId AS uuid) IS NOT NULL))))
      RETURNING prior.status AS prior_status, g.claim_id, g.user_id
      """;

  /**
   * The claim's worker announced its submission: only for the claim the generation holds, once.
   * {@code :id} is the generation, {@code :claimId} the claim it submits under.
   */
  private static final String SUBMITTING =
      """
      UPDATE generations SET submitted_at = :now, updated_at = :now
      WHERE id = :id AND claim_id = :claimId AND status = 'processing' AND submitted_at IS NULL
      """;

  /** A pending generation's unanswered claimant, so the sweeper can tell when it died. */
  private static final String NOTE_CLAIMANT =
      "UPDATE generations SET worker_id = :workerId WHERE id = :id AND status = 'pending'";

  /**
   * pending|processing → a terminal status, with everything the settlement and the notice need.
   * Only a pending generation can end cancelled: once processing, a worker holds its claim and may
   * have submitted it, so it ends by the provider's outcome (or the deadline) and nothing else.
   */
  private static final String FINISH =
      """
      UPDATE generations g
      SET status = :status, result_urls = CAST(:urls AS jsonb), error_code = :errorCode,
          error_message = :errorMessage, finished_at = :now, updated_at = :now,
          provider_route = COALESCE(CAST(:route AS text), g.provider_route),
          provider_cost = CAST(:cost AS numeric)
      FROM users u, models m
      WHERE g.id = :id AND g.status IN ('pending', 'processing')
        AND (g.status = 'pending' OR :status <> 'cancelled')
        AND u.id = g.user_id AND m.id = g.model_id
      RETURNING g.user_id, g.price, g.model_id, g.prompt, u.language_code, m.name AS model_name, m.kind,
                g.created_at, g.started_at, g.traceparent, g.outputs, g.input_ids[1] AS first_input
      """;

  /** What the settlement and the settled notice need of an ended generation. */
  record Finished(
      long userId,
      long price,
      String modelId,
      String prompt,
      String languageCode,
      String modelName,
      String kind,
      Timestamp createdAt,
      Timestamp startedAt,
      String traceparent,
      int outputs,
      java.util.UUID firstInput) {

    /** The same generation with {@code price} as what it finally cost. */
    Finished costing(long price) {
      return new Finished(
          userId,
          price,
          modelId,
          prompt,
          languageCode,
          modelName,
          kind,
          createdAt,
          startedAt,
          traceparent,
          outputs,
          firstInput);
    }
  }

  private final JdbcClient jdbc;
  private final Credits credits;
  private final Outbox outbox;
  private final StatusHistory history;
  private final JsonMapper json;
  private final Clock clock;
  private final GenerationMetrics metrics;
  private final Announcements announce;

  GenerationTransitions(
      JdbcClient jdbc,
      Credits credits,
      Outbox outbox,
      StatusHistory history,
      JsonMapper json,
      Clock clock,
      GenerationMetrics metrics,
      Announcements announce) {
    this.metrics = metrics;
    this.jdbc = jdbc;
    this.credits = credits;
    this.outbox = outbox;
    this.history = history;
    this.json = json;
    this.clock = clock;
    this.announce = announce;
  }

  /** Where a generation stands after a worker's GenerationStarted. */
  private record Marked(String priorStatus, UUID claimId, long userId) {}

  /**
   * Records that a worker took a generation (or the provider task it got); false when it already
   * ended or the event changes nothing (a late or repeated event). With started notices on, the
   * first move from pending queues GenerationProcessingStarted in the same transaction.
   */
  public boolean markProcessing(
      UUID id,
      String providerTaskId,
      String route,
      UUID workerId,
      String reason,
      String traceparent) {
    return mark(id, providerTaskId, route, null, false, workerId, reason, traceparent).isPresent();
  }

  /**
   * A worker attempt asks to submit the generation to the provider. Granted only by the conditional
   * pending → processing move for this claim (or when the claim is already this attempt's); a
   * cancel takes the same row lock and wins only while the generation is pending, so a generation
   * is either cancelled or claimed, never both. The answer goes back as GenerationClaimed, in this
   * transaction.
   */
  public boolean claim(
      UUID id, UUID claimId, UUID workerId, boolean fenced, String reason, String traceparent) {
    boolean granted =
        mark(id, null, null, claimId, fenced, workerId, reason, traceparent)
            .filter(m -> claimId.equals(m.claimId()))
            .isPresent();
    outbox.append(
        Topics.CLAIMS,
        id,
        new GenerationClaimed(
            UUID.randomUUID(), now(), GenerationClaimed.SCHEMA_VERSION, id, claimId, granted),
        traceparent);
    log.info("generation {}: claim {} {}", id, claimId, granted ? "granted" : "refused");
    return granted;
  }

  /**
   * The worker holding the claim announced its submission; false when the claim is not the
   * generation's (a late announcement of a claim released meanwhile: counted and logged, since a
   * fenced worker never submits then) or it was announced already.
   */
  public boolean submitting(UUID id, UUID claimId) {
    Instant now = now();
    boolean recorded =
        jdbc.sql(SUBMITTING)
                .param("id", id)
                .param("claimId", claimId)
                .param("now", Timestamp.from(now))
                .update()
            == 1;
    if (!recorded) {
      log.warn("generation {}: submission under claim {} does not match its claim", id, claimId);
    }
    return recorded;
  }

  /** Remembers the worker of an unanswered claim on a pending generation. */
  public boolean noteClaimant(UUID id, UUID workerId) {
    return workerId != null
        && jdbc.sql(NOTE_CLAIMANT).param("id", id).param("workerId", workerId).update() == 1;
  }

  private Optional<Marked> mark(
      UUID id,
      String providerTaskId,
      String route,
      UUID claimId,
      boolean fenced,
      UUID workerId,
      String reason,
      String traceparent) {
    Instant now = now();
    // Locked first, by a statement of its own: MARK_PROCESSING's CTE would read the newest version
    // while its SET could still read the version of the statement's snapshot.
    jdbc.sql("SELECT id FROM generations WHERE id = :id FOR UPDATE")
        .param("id", id)
        .query(UUID.class)
        .optional();
    Optional<Marked> marked =
        jdbc.sql(MARK_PROCESSING)
            .param("id", id)
            .param("taskId", providerTaskId)
            .param("route", route)
            .param("claimId", claimId)
            .param("fenced", fenced)
            .param("workerId", workerId)
            .param("now", Timestamp.from(now))
            .query(Marked.class)
            .optional();
    if (marked.filter(m -> "pending".equals(m.priorStatus())).isPresent()) {
      history.record(id, marked.get().userId(), GenerationStatus.PROCESSING, reason, now);
      announce.started(id, now, traceparent);
    }
    return marked;
  }

  /**
   * Ends an active generation: completed captures its hold, failed or cancelled releases it; the
   * GenerationSettled notice is queued in the same transaction. Returns false, and changes nothing,
   * when the generation had already ended. Without a {@code traceparent} (a cancel, the sweeper),
   * the notice goes out on the trace of the request that started the generation.
   */
  public boolean finish(UUID id, Ending ending, String traceparent) {
    Instant now = now();
    Optional<Finished> finished =
        jdbc.sql(FINISH)
            .param("id", id)
            .param("status", ending.status().wire())
            .param(
                "urls",
                ending.resultUrls() == null ? null : json.writeValueAsString(ending.resultUrls()))
            .param("errorCode", ending.errorCode())
            .param("errorMessage", ending.errorMessage())
            .param("route", ending.route())
            .param("cost", ending.providerCost())
            .param("now", Timestamp.from(now))
            .query(Finished.class)
            .optional();
    if (finished.isEmpty()) {
      return false;
    }
    Finished row = finished.get();
    if (ending.status() == GenerationStatus.COMPLETED) {
      int results = ending.resultUrls() == null ? 0 : ending.resultUrls().size();
      long captured = capturedPrice(row.price(), row.outputs(), results);
      if (captured > 0) {
        credits.capture(row.userId(), id, captured, ending.reason());
      }
      if (captured < row.price()) {
        credits.release(
            row.userId(),
            id,
            row.price() - captured,
            "fewer results than paid for: " + results + " of " + row.outputs());
        row = row.costing(captured);
      }
    } else {
      credits.release(row.userId(), id, row.price(), ending.reason());
    }
    history.record(id, row.userId(), ending.status(), ending.reason(), now);
    log.info(
        "generation {} {}: {} credits {}",
        id,
        ending.status().wire(),
        row.price(),
        ending.status() == GenerationStatus.COMPLETED ? "captured" : "released");
    metrics.ended(
        row.modelId(),
        ending.status(),
        ending.errorCode(),
        row.price(),
        row.createdAt().toInstant(),
        row.startedAt() == null ? null : row.startedAt().toInstant(),
        now);
    announce.settled(id, row, ending, now, traceparent != null ? traceparent : row.traceparent());
    return true;
  }

  /**
   * The part of the price a completed generation captures: all of it, or, when the provider
   * delivered fewer results than were paid for (a safety filter dropped some), the price of those
   * delivered (rounded down; the rest is released).
   */
  private static long capturedPrice(long price, int outputs, int results) {
    return results >= outputs ? price : price * results / outputs;
  }

  static List<String> urls(JsonMapper json, String stored) {
    return stored == null
        ? List.of()
        : json.readValue(stored, new TypeReference<List<String>>() {});
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }
}

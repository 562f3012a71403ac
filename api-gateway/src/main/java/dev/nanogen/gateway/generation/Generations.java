package dev.nanogen.gateway.generation;

import dev.nanogen.gateway.files.FilesProperties;
import dev.nanogen.gateway.limits.StartLimits;
import dev.nanogen.gateway.tx.Pipeline;
import dev.nanogen.gateway.web.Cursor;
import dev.nanogen.model.GenerationStatus;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.annotation.Nullable;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** Reads a user's generations. Another user's generation is simply not found. */
@Component
public class Generations {
  private static final String COLUMNS =
      """
      SELECT id, model_id, prompt, input_ids, price, status, result_urls, error_code, error_message,
             created_at, started_at, finished_at
      FROM generations
      """;

  private static final String ONE = COLUMNS + " WHERE id = :id AND user_id = :userId";

  private static final String SOME = COLUMNS + " WHERE id IN (:ids) AND user_id = :userId";

  /** :status may be null (all); the cursor is (created_at, id) of the last item seen. */
  private static final String PAGE =
      COLUMNS
          + """
           WHERE user_id = :userId
             AND (CAST(:status AS text) IS NULL OR status = :status)
             AND (CAST(:afterAt AS timestamptz) IS NULL OR (created_at, id) < (:afterAt, :afterId))
           ORDER BY created_at DESC, id DESC
           LIMIT :limit
          """;

  @Schema(name = "GenerationError")
  public record Error(
      @Schema(
              allowableValues = {
                "TIMEOUT",
                "MODEL_UNAVAILABLE",
                "PROVIDER_REJECTED",
                "PROVIDER_AUTH",
                "PROVIDER_OUT_OF_CREDITS",
                "PROVIDER_UNAVAILABLE",
                "PROVIDER_RATE_LIMITED",
                "PROVIDER_BAD_RESPONSE",
                "PROVIDER_BAD_RESULT",
                "PROVIDER_GENERATION_FAILED",
                "UNKNOWN",
                "CANCELLED"
              })
          String code,
      @Nullable String message) {}

  @Schema(name = "GenerationView")
  public record View(
      UUID generationId,
      String modelId,
      String prompt,
      @Schema(
              description =
                  "the uploads it was started with, in order (empty for a text-only start)")
          List<UUID> inputIds,
      long price,
      @Schema(allowableValues = {"pending", "processing", "completed", "failed", "cancelled"})
          String status,
      @Schema(
              description =
                  "the kept results, served under the public base URL until results_expire_at; empty once expired")
          List<String> resultUrls,
      @Nullable Error error,
      Instant createdAt,
      @Nullable Instant startedAt,
      @Nullable Instant finishedAt,
      @Nullable Long durationMs,
      @Schema(
              description =
                  "a completed generation's: when its results stop being served (the retention after it finished)")
          @Nullable
          Instant resultsExpireAt,
      @Schema(description = "true once the results were purged after the retention")
          boolean resultsExpired) {}

  @Schema(name = "GenerationPage")
  record Page(List<View> items, @Nullable String nextCursor) {}

  private static final String START_COUNTS =
      """
      SELECT (SELECT count(*) FROM generations
              WHERE user_id = :userId AND status IN ('pending', 'processing')) AS active,
             (SELECT count(*) FROM generations
              WHERE user_id = :userId AND created_at > :windowStart) AS recent,
             (SELECT min(created_at) FROM generations
              WHERE user_id = :userId AND created_at > :windowStart) AS oldest_recent,
             (SELECT count(*) FROM generations
              WHERE user_id = :userId AND model_id = :modelId
                AND status IN ('pending', 'processing')) AS active_on_model
      """;

  /**
   * Generations past their deadline ({@code :now}), at most {@code :limit} a sweep. The rows stay
   * locked until the sweep's transaction ends; another replica skips them.
   */
  private static final String LOCK_OVERDUE =
      """
      SELECT id FROM generations
      WHERE status IN ('pending', 'processing') AND timeout_at < :now AND sweep_parked_at IS NULL
      ORDER BY timeout_at
      LIMIT :limit
      FOR UPDATE SKIP LOCKED
      """;

  /**
   * Generations that stalled, at most {@code :limit} a sweep, not yet past their deadline ({@code
   * :now}):
   *
   * <ul>
   *   <li>pending and dispatched before {@code :pendingBefore};
   *   <li>processing and dispatched before {@code :processingBefore};
   *   <li>held by a worker among {@code :lapsed}, whose lease ran out.
   * </ul>
   */
  private static final String LOCK_STALLED =
      """
      SELECT g.id, g.traceparent
      FROM generations g
      WHERE g.status IN ('pending', 'processing') AND g.timeout_at > :now
        AND ((g.status = 'pending' AND g.dispatched_at < :pendingBefore)
             OR (g.status = 'processing' AND g.provider_task_id IS NOT NULL
                 AND (g.dispatched_at < :processingBefore
                      OR g.worker_id = ANY(CAST(:lapsed AS uuid[]))))
             OR (g.provider_task_id IS NULL AND g.submitted_at IS NULL
                 AND (g.status = 'pending' OR g.claim_fenced)
                 AND g.worker_id = ANY(CAST(:lapsed AS uuid[]))))
      ORDER BY g.dispatched_at
      LIMIT :limit
      FOR UPDATE OF g SKIP LOCKED
      """;

  /** A generation the sweeper dispatches again, with the trace it continues. */
  public record Stalled(UUID id, String traceparent) {}

  private final JdbcClient jdbc;
  private final JsonMapper json;
  private final Clock clock;
  private final Duration retention;

  Generations(JdbcClient jdbc, JsonMapper json, Clock clock, FilesProperties files) {
    this.jdbc = jdbc;
    this.json = json;
    this.clock = clock;
    this.retention = files.retention();
  }

  /** Overdue generations not parked, oldest deadline first, locked for the sweep's transaction. */
  public List<UUID> lockOverdue(Instant now, int limit) {
    return jdbc.sql(LOCK_OVERDUE)
        .param("now", Timestamp.from(now))
        .param("limit", limit)
        .query(UUID.class)
        .list();
  }

  /** Keeps a generation whose ending threw out of later sweeps, for an operator. */
  public void parkSweep(UUID id, Instant now) {
    jdbc.sql("UPDATE generations SET sweep_parked_at = :now WHERE id = :id")
        .param("id", id)
        .param("now", Timestamp.from(now))
        .update();
  }

  /**
   * Generations to dispatch again (see recovery's RedispatchStalled for the rules), locked for the
   * sweep's transaction, longest undispatched first.
   *
   * @param lapsed workers whose lease ran out by {@code now}
   */
  public List<Stalled> lockStalled(
      Instant now,
      Instant pendingBefore,
      Instant processingBefore,
      java.util.Collection<UUID> lapsed,
      int limit) {
    return jdbc.sql(LOCK_STALLED)
        .param("now", Timestamp.from(now))
        .param("pendingBefore", Timestamp.from(pendingBefore))
        .param("processingBefore", Timestamp.from(processingBefore))
        .param("lapsed", lapsed.stream().map(UUID::toString).toArray(String[]::new))
        .param("limit", limit)
        .query(Stalled.class)
        .list();
  }

  /** Still queued in the outbox, not stalled: looked at again one stall period from {@code now}. */
  public void dispatchedAt(java.util.Collection<UUID> ids, Instant now) {
    if (!ids.isEmpty()) {
      jdbc.sql("UPDATE generations SET dispatched_at = :now WHERE id IN (:ids)")
          .param("ids", ids)
          .param("now", Timestamp.from(now))
          .update();
    }
  }

  /** What the start limits count of a user's generations (exact under the user's row lock). */
  Pipeline.Result<StartLimits.Counts> startCounts(
      Pipeline p, long userId, String modelId, Instant windowStart) {
    return p.query(
            START_COUNTS,
            new MapSqlParameterSource("userId", userId)
                .addValue("modelId", modelId)
                .addValue("windowStart", Timestamp.from(windowStart)),
            (rs, n) -> {
              Timestamp oldest = rs.getTimestamp("oldest_recent");
              return new StartLimits.Counts(
                  rs.getLong("active"),
                  rs.getLong("recent"),
                  oldest == null ? null : oldest.toInstant(),
                  rs.getLong("active_on_model"));
            })
        .map(List::getFirst);
  }

  /** The caller's generation as GET /api/generation/{id} answers it; empty for another user's. */
  public Optional<View> find(long userId, UUID id) {
    return jdbc.sql(ONE).param("id", id).param("userId", userId).query(this::map).optional();
  }

  /** The caller's generations among {@code ids}, in one query; another user's are left out. */
  public List<View> findAll(long userId, java.util.Collection<UUID> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    return jdbc.sql(SOME).param("ids", ids).param("userId", userId).query(this::map).list();
  }

  /** Whether the user started any generation with {@code uploadId} among its inputs. */
  public boolean anyWithInput(long userId, UUID uploadId) {
    return jdbc.sql(
            "SELECT EXISTS (SELECT 1 FROM generations WHERE user_id = :userId AND :upload = ANY (input_ids))")
        .param("userId", userId)
        .param("upload", uploadId)
        .query(Boolean.class)
        .single();
  }

  Page page(long userId, GenerationStatus status, Cursor cursor, int limit) {
    List<View> rows =
        jdbc.sql(PAGE)
            .param("userId", userId)
            .param("status", status == null ? null : status.wire())
            .param("afterAt", cursor == null ? null : Timestamp.from(cursor.instant()))
            .param("afterId", cursor == null ? null : cursor.uuid())
            .param("limit", limit + 1)
            .query(this::map)
            .list();
    if (rows.size() <= limit) {
      return new Page(rows, null);
    }
    View last = rows.get(limit - 1);
    return new Page(
        rows.subList(0, limit), Cursor.after(last.createdAt(), last.generationId()).encode());
  }

  private View map(ResultSet rs, int row) throws SQLException {
    Instant started = instant(rs, "started_at");
    Instant finished = instant(rs, "finished_at");
    Instant created = instant(rs, "created_at");
    String errorCode = rs.getString("error_code");
    String status = rs.getString("status");
    Instant expireAt =
        GenerationStatus.COMPLETED.wire().equals(status) && finished != null
            ? finished.plus(retention)
            : null;
    boolean expired = expireAt != null && !clock.instant().isBefore(expireAt);
    return new View(
        rs.getObject("id", UUID.class),
        rs.getString("model_id"),
        rs.getString("prompt"),
        uuids(rs.getArray("input_ids")),
        rs.getLong("price"),
        status,
        expired ? List.of() : GenerationTransitions.urls(json, rs.getString("result_urls")),
        errorCode == null ? null : new Error(errorCode, rs.getString("error_message")),
        created,
        started,
        finished,
        finished == null ? null : finished.toEpochMilli() - created.toEpochMilli(),
        expireAt,
        expired);
  }

  private static List<UUID> uuids(java.sql.Array array) throws SQLException {
    return array == null ? List.of() : List.of((UUID[]) array.getArray());
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp ts = rs.getTimestamp(column);
    return ts == null ? null : ts.toInstant();
  }
}

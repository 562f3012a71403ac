package dev.nanogen.gateway.generation;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.annotation.Nullable;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * What operators read about generations: a user's recent ones, one generation's whole row and its
 * status history, per-model statistics and per-day cost by route. Read-only.
 */
@Component
@Transactional(propagation = Propagation.SUPPORTS, readOnly = true)
public class GenerationReports {
  private final JdbcClient jdbc;
  private final StatusHistory history;

  GenerationReports(JdbcClient jdbc, StatusHistory history) {
    this.jdbc = jdbc;
    this.history = history;
  }

  @Schema(name = "AdminGenerationRow")
  public record Row(
      UUID generationId,
      String modelId,
      @Schema(allowableValues = {"pending", "processing", "completed", "failed", "cancelled"})
          String status,
      long price,
      @Nullable String errorCode,
      Instant createdAt,
      @Nullable Instant startedAt,
      @Nullable Instant finishedAt) {}

  /** One status a generation entered. */
  @Schema(name = "AdminStatusChange")
  public record StatusChange(
      @Schema(allowableValues = {"pending", "processing", "completed", "failed", "cancelled"})
          String status,
      String reason,
      Instant at) {}

  /** A generation's whole row. */
  public record Detail(
      UUID generationId,
      long userId,
      String modelId,
      String prompt,
      long price,
      @Schema(allowableValues = {"pending", "processing", "completed", "failed", "cancelled"})
          String status,
      @Nullable String providerTaskId,
      @Nullable String providerRoute,
      @Nullable BigDecimal providerCost,
      @Nullable String errorCode,
      @Nullable String errorMessage,
      Instant createdAt,
      @Nullable Instant startedAt,
      @Nullable Instant finishedAt,
      Instant timeoutAt,
      Instant dispatchedAt) {}

  /**
   * @param successRate completed ÷ (completed + failed); cancellations are the user's choice
   * @param p50Millis median creation-to-completion time of completed generations
   * @param refunds failed and cancelled generations (their holds were released)
   */
  public record ModelStats(
      String modelId,
      long total,
      long completed,
      long failed,
      long timedOut,
      long cancelled,
      long active,
      @Nullable Double successRate,
      @Nullable Double p50Millis,
      @Nullable Double p95Millis,
      long refunds,
      long creditsReturned,
      long creditsCaptured) {}

  /** What one route earned and cost for one model on one day (UTC, by when generations ended). */
  public record RouteDay(
      LocalDate day,
      String modelId,
      String route,
      long completed,
      long creditsCaptured,
      BigDecimal providerCost) {}

  /** The user's latest {@code limit} generations, newest first. */
  public List<Row> recent(long userId, int limit) {
    return jdbc.sql(
            """
            SELECT id AS generation_id, model_id, status, price, error_code, created_at, started_at, finished_at
            FROM generations WHERE user_id = :id ORDER BY created_at DESC LIMIT :limit
            """)
        .param("id", userId)
        .param("limit", limit)
        .query(Row.class)
        .list();
  }

  /** The user's pending and processing generations. */
  public long active(long userId) {
    return jdbc.sql(
            "SELECT count(*) FROM generations WHERE user_id = :id AND status IN ('pending', 'processing')")
        .param("id", userId)
        .query(Long.class)
        .single();
  }

  public Optional<Detail> detail(UUID id) {
    return jdbc.sql(
            """
            SELECT id AS generation_id, user_id, model_id, prompt, price, status, provider_task_id,
                   provider_route, provider_cost, error_code, error_message, created_at, started_at,
                   finished_at, timeout_at, dispatched_at
            FROM generations WHERE id = :id
            """)
        .param("id", id)
        .query(Detail.class)
        .optional();
  }

  /** Every status the generation entered, with its reason and time, in order. */
  public List<StatusChange> history(UUID id) {
    return history.of(id);
  }

  /** Per model, the generations created in [from, to). */
  public List<ModelStats> modelStats(Instant from, Instant to) {
    return jdbc.sql(
            """
            SELECT model_id,
                   count(*) AS total,
                   count(*) FILTER (WHERE status = 'completed') AS completed,
                   count(*) FILTER (WHERE status = 'failed') AS failed,
                   count(*) FILTER (WHERE status = 'failed' AND error_code = 'TIMEOUT') AS timed_out,
                   count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
                   count(*) FILTER (WHERE status IN ('pending', 'processing')) AS active,
                   round(count(*) FILTER (WHERE status = 'completed')::numeric
                         / nullif(count(*) FILTER (WHERE status IN ('completed', 'failed')), 0), 4)::float8 AS success_rate,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at) * 1000)
                       FILTER (WHERE status = 'completed') AS p50_millis,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at) * 1000)
                       FILTER (WHERE status = 'completed') AS p95_millis,
                   count(*) FILTER (WHERE status IN ('failed', 'cancelled')) AS refunds,
                   coalesce(sum(price) FILTER (WHERE status IN ('failed', 'cancelled')), 0) AS credits_returned,
                   coalesce(sum(price) FILTER (WHERE status = 'completed'), 0) AS credits_captured
            FROM generations
            WHERE created_at >= :from AND created_at < :to
            GROUP BY model_id ORDER BY model_id
            """)
        .param("from", Timestamp.from(from))
        .param("to", Timestamp.from(to))
        .query(ModelStats.class)
        .list();
  }

  /** Per day, model and route, the generations completed in [from, to). */
  public List<RouteDay> routeDays(Instant from, Instant to) {
    return jdbc.sql(
            """
            SELECT (finished_at AT TIME ZONE 'UTC')::date AS day, model_id,
                   coalesce(provider_route, 'unknown') AS route,
                   count(*) AS completed,
                   coalesce(sum(price), 0) AS credits_captured,
                   coalesce(sum(provider_cost), 0) AS provider_cost
            FROM generations
            WHERE status = 'completed' AND finished_at >= :from AND finished_at < :to
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """)
        .param("from", Timestamp.from(from))
        .param("to", Timestamp.from(to))
        .query(RouteDay.class)
        .list();
  }
}

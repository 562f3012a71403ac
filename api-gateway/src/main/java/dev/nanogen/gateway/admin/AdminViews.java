package dev.nanogen.gateway.admin;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.limits.UserLimits;
import io.swagger.v3.oas.annotations.media.Schema;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** What admins look at: a user, a generation's whole story, per-model statistics. Read-only SQL. */
@Component
class AdminViews {
  private final JdbcClient jdbc;
  private final NanogenProperties.Limits limits;

  AdminViews(JdbcClient jdbc, NanogenProperties properties) {
    this.jdbc = jdbc;
    this.limits = properties.limits();
  }

  @Schema(name = "AdminGenerationRow")
  record GenerationRow(
      UUID generationId,
      String modelId,
      String status,
      long price,
      String errorCode,
      Instant createdAt,
      Instant startedAt,
      Instant finishedAt) {}

  @Schema(name = "AdminUser")
  record User(
      long userId,
      String username,
      String languageCode,
      boolean banned,
      boolean premium,
      boolean botBlocked,
      long creditsAvailable,
      long creditsHeld,
      long activeGenerations,
      UserLimits limits,
      Instant createdAt,
      List<GenerationRow> recentGenerations) {}

  private record UserRow(
      long userId,
      String username,
      String languageCode,
      boolean banned,
      boolean premium,
      boolean botBlocked,
      long creditsAvailable,
      long creditsHeld,
      Instant createdAt) {}

  User user(long userId) {
    UserRow row =
        jdbc.sql(
                """
                SELECT id AS user_id, username, language_code, banned, premium, bot_blocked,
                       credits_available, credits_held, created_at
                FROM users WHERE id = :id
                """)
            .param("id", userId)
            .query(UserRow.class)
            .optional()
            .orElseThrow(() -> new AppError(ErrorCode.NOT_FOUND, "no user " + userId));
    List<GenerationRow> recent =
        jdbc.sql(
                """
                SELECT id AS generation_id, model_id, status, price, error_code, created_at, started_at, finished_at
                FROM generations WHERE user_id = :id ORDER BY created_at DESC LIMIT 20
                """)
            .param("id", userId)
            .query(GenerationRow.class)
            .list();
    long active =
        jdbc.sql(
                "SELECT count(*) FROM generations WHERE user_id = :id AND status IN ('pending', 'processing')")
            .param("id", userId)
            .query(Long.class)
            .single();
    return new User(
        row.userId(),
        row.username(),
        row.languageCode(),
        row.banned(),
        row.premium(),
        row.botBlocked(),
        row.creditsAvailable(),
        row.creditsHeld(),
        active,
        UserLimits.of(limits, row.premium()),
        row.createdAt(),
        recent);
  }

  @Schema(name = "AdminGeneration")
  record Generation(
      UUID generationId,
      long userId,
      String modelId,
      String prompt,
      long price,
      String status,
      String providerTaskId,
      String providerRoute,
      java.math.BigDecimal providerCost,
      String errorCode,
      String errorMessage,
      Instant createdAt,
      Instant startedAt,
      Instant finishedAt,
      Instant timeoutAt,
      Instant dispatchedAt,
      List<Map<String, Object>> statusHistory,
      List<Map<String, Object>> ledger,
      List<Map<String, Object>> events) {}

  private record GenerationCore(
      UUID generationId,
      long userId,
      String modelId,
      String prompt,
      long price,
      String status,
      String providerTaskId,
      String providerRoute,
      java.math.BigDecimal providerCost,
      String errorCode,
      String errorMessage,
      Instant createdAt,
      Instant startedAt,
      Instant finishedAt,
      Instant timeoutAt,
      Instant dispatchedAt) {}

  /**
   * A generation with its status history, its ledger rows and the events it published (kept in the
   * outbox).
   */
  Generation generation(UUID id) {
    GenerationCore g =
        jdbc.sql(
                """
                SELECT id AS generation_id, user_id, model_id, prompt, price, status, provider_task_id,
                       provider_route, provider_cost, error_code, error_message, created_at, started_at, finished_at, timeout_at, dispatched_at
                FROM generations WHERE id = :id
                """)
            .param("id", id)
            .query(GenerationCore.class)
            .optional()
            .orElseThrow(() -> new AppError(ErrorCode.GENERATION_NOT_FOUND, "no generation " + id));
    List<Map<String, Object>> history =
        jdbc.sql(
                "SELECT status, reason, at FROM generation_status_history WHERE generation_id = :id ORDER BY id")
            .param("id", id)
            .query()
            .listOfRows();
    List<Map<String, Object>> ledger =
        jdbc.sql(
                "SELECT kind, amount, reason, created_at FROM ledger WHERE generation_id = :id ORDER BY id")
            .param("id", id)
            .query()
            .listOfRows();
    List<Map<String, Object>> events =
        jdbc.sql(
                """
                SELECT o.event_type, o.topic,
                       CASE WHEN p.id IS NULL THEN 'PUBLISHED' WHEN p.blocked THEN 'BLOCKED' ELSE 'PENDING' END AS status,
                       p.attempts, p.last_error, o.traceparent, o.created_at
                FROM outbox o LEFT JOIN outbox_pending p ON p.id = o.id
                WHERE o.message_key = :id ORDER BY o.id
                """)
            .param("id", id.toString())
            .query()
            .listOfRows();
    return new Generation(
        g.generationId(),
        g.userId(),
        g.modelId(),
        g.prompt(),
        g.price(),
        g.status(),
        g.providerTaskId(),
        g.providerRoute(),
        g.providerCost(),
        g.errorCode(),
        g.errorMessage(),
        g.createdAt(),
        g.startedAt(),
        g.finishedAt(),
        g.timeoutAt(),
        g.dispatchedAt(),
        history,
        ledger,
        events);
  }

  /**
   * @param successRate completed ÷ (completed + failed); cancellations are the user's choice
   * @param p50Millis median creation-to-completion time of completed generations
   * @param refunds failed and cancelled generations (their holds were released)
   */
  record ModelStats(
      String modelId,
      long total,
      long completed,
      long failed,
      long timedOut,
      long cancelled,
      long active,
      Double successRate,
      Double p50Millis,
      Double p95Millis,
      long refunds,
      long creditsReturned,
      long creditsCaptured) {}

  /**
   * What one model earned and cost on one day (UTC, by when its generations ended): the credits
   * captured against what the provider routes charged for them, and by which route.
   */
  record DayCost(
      java.time.LocalDate day,
      String modelId,
      long completed,
      long creditsCaptured,
      java.math.BigDecimal providerCost,
      Map<String, java.math.BigDecimal> costByRoute) {

    static DayCost of(RouteDay r) {
      return new DayCost(
          r.day(),
          r.modelId(),
          r.completed(),
          r.creditsCaptured(),
          r.providerCost(),
          new java.util.TreeMap<>(Map.of(r.route(), r.providerCost())));
    }

    DayCost plus(DayCost other) {
      Map<String, java.math.BigDecimal> routes = new java.util.TreeMap<>(costByRoute);
      routes.putAll(other.costByRoute());
      return new DayCost(
          day,
          modelId,
          completed + other.completed(),
          creditsCaptured + other.creditsCaptured(),
          providerCost.add(other.providerCost()),
          routes);
    }
  }

  /** One route's share of a {@link DayCost}. */
  private record RouteDay(
      java.time.LocalDate day,
      String modelId,
      String route,
      long completed,
      long creditsCaptured,
      java.math.BigDecimal providerCost) {}

  record Stats(Instant from, Instant to, List<ModelStats> models, List<DayCost> days) {}

  Stats stats(Instant from, Instant to) {
    List<ModelStats> models =
        jdbc.sql(
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
    Map<List<Object>, DayCost> days = new java.util.LinkedHashMap<>();
    jdbc.sql(
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
        .list()
        .forEach(r -> days.merge(List.of(r.day(), r.modelId()), DayCost.of(r), DayCost::plus));
    return new Stats(from, to, models, List.copyOf(days.values()));
  }
}

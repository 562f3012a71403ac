package dev.nanogen.gateway.admin;

import dev.nanogen.gateway.auth.Users;
import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.generation.GenerationReports;
import dev.nanogen.gateway.ledger.Credits;
import dev.nanogen.gateway.limits.UserLimits;
import dev.nanogen.gateway.outbox.Outbox;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.annotation.Nullable;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * What admins look at — a user, a generation's whole story, per-model statistics — put together
 * from what the owners of the tables answer.
 */
@Component
class AdminViews {
  private final Users users;
  private final Credits credits;
  private final GenerationReports generations;
  private final Outbox outbox;
  private final NanogenProperties.Limits limits;

  AdminViews(
      Users users,
      Credits credits,
      GenerationReports generations,
      Outbox outbox,
      NanogenProperties properties) {
    this.users = users;
    this.credits = credits;
    this.generations = generations;
    this.outbox = outbox;
    this.limits = properties.limits();
  }

  @Schema(name = "AdminUser")
  record User(
      long userId,
      @Nullable String username,
      @Nullable String languageCode,
      boolean banned,
      boolean premium,
      boolean botBlocked,
      long creditsAvailable,
      long creditsHeld,
      long activeGenerations,
      UserLimits limits,
      Instant createdAt,
      List<GenerationReports.Row> recentGenerations) {}

  User user(long userId) {
    Users.Profile profile =
        users
            .profile(userId)
            .orElseThrow(() -> new AppError(ErrorCode.NOT_FOUND, "no user " + userId));
    Credits.Balance balance = credits.balance(userId).orElse(new Credits.Balance(0, 0));
    return new User(
        profile.userId(),
        profile.username(),
        profile.languageCode(),
        profile.banned(),
        profile.premium(),
        profile.botBlocked(),
        balance.creditsAvailable(),
        balance.creditsHeld(),
        generations.active(userId),
        UserLimits.of(limits, profile.premium()),
        profile.createdAt(),
        generations.recent(userId, 20));
  }

  @Schema(name = "AdminGeneration")
  record Generation(
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
      Instant dispatchedAt,
      List<GenerationReports.StatusChange> statusHistory,
      List<Credits.Movement> ledger,
      List<Outbox.Kept> events) {}

  /**
   * A generation with its status history, its ledger rows and the events it published (kept in the
   * outbox).
   */
  Generation generation(UUID id) {
    GenerationReports.Detail g =
        generations
            .detail(id)
            .orElseThrow(() -> new AppError(ErrorCode.GENERATION_NOT_FOUND, "no generation " + id));
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
        generations.history(id),
        credits.ofGeneration(id),
        outbox.keptFor(id));
  }

  /**
   * What one model earned and cost on one day (UTC, by when its generations ended): the credits
   * captured against what the provider routes charged for them, and by which route.
   */
  record DayCost(
      LocalDate day,
      String modelId,
      long completed,
      long creditsCaptured,
      BigDecimal providerCost,
      Map<String, BigDecimal> costByRoute) {

    static DayCost of(GenerationReports.RouteDay r) {
      return new DayCost(
          r.day(),
          r.modelId(),
          r.completed(),
          r.creditsCaptured(),
          r.providerCost(),
          new TreeMap<>(Map.of(r.route(), r.providerCost())));
    }

    DayCost plus(DayCost other) {
      Map<String, BigDecimal> routes = new TreeMap<>(costByRoute);
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

  record Stats(
      Instant from, Instant to, List<GenerationReports.ModelStats> models, List<DayCost> days) {}

  Stats stats(Instant from, Instant to) {
    Map<List<Object>, DayCost> days = new LinkedHashMap<>();
    generations
        .routeDays(from, to)
        .forEach(r -> days.merge(List.of(r.day(), r.modelId()), DayCost.of(r), DayCost::plus));
    return new Stats(from, to, generations.modelStats(from, to), List.copyOf(days.values()));
  }
}

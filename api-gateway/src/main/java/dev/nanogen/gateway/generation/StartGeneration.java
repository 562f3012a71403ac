package dev.nanogen.gateway.generation;

import dev.nanogen.gateway.auth.CurrentUser;
import dev.nanogen.gateway.catalog.CatalogModel;
import dev.nanogen.gateway.catalog.ModelCatalog;
import dev.nanogen.gateway.catalog.ModelParams;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.LockTimeout;
import dev.nanogen.gateway.idempotency.Answer;
import dev.nanogen.gateway.idempotency.IdempotencyKeys;
import dev.nanogen.gateway.ledger.Credits;
import dev.nanogen.gateway.limits.StartLimits;
import dev.nanogen.gateway.tx.Pipeline;
import dev.nanogen.gateway.tx.Pipelines;
import dev.nanogen.gateway.uploads.Uploads;
import dev.nanogen.model.GenerationStatus;
import dev.nanogen.ops.trace.Traces;
import io.swagger.v3.oas.annotations.media.Schema;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Starts a generation in ONE transaction: lock the user's row, replay a used idempotency key, check
 * the limits, validate and price the params (and the number of uploaded images) against the model,
 * check that every upload named is the caller's and usable, hold that price (a conditional UPDATE),
 * insert the generation, its status history and the GenerationRequested outbox row, and store the
 * idempotency key with the response. Either all of it happens or none of it.
 */
@Component
public class StartGeneration {
  private static final Logger log = LoggerFactory.getLogger(StartGeneration.class);

  static final String SCOPE = "start";

  /** Slack past the model's own limit before the sweeper fails a generation with TIMEOUT. */
  static final Duration DEADLINE_SLACK = Duration.ofSeconds(60);

  private static final String INSERT_GENERATION =
      """
      INSERT INTO generations (id, user_id, model_id, prompt, params, input_ids, price, outputs,
                               status, created_at, timeout_at, updated_at, dispatched_at, traceparent)
      VALUES (:id, :userId, :modelId, :prompt, CAST(:params AS jsonb), CAST(:inputIds AS uuid[]),
              :price, :outputs, 'pending', :now, :timeoutAt, :now, :now, :traceparent)
      """;

  private final Pipelines pipelines;
  private final TransactionTemplate tx;
  private final ModelCatalog catalog;
  private final StartLimits limits;
  private final Generations generations;
  private final Credits credits;
  private final Dispatch dispatch;
  private final IdempotencyKeys keys;
  private final StatusHistory history;
  private final JsonMapper json;
  private final Clock clock;
  private final GenerationMetrics metrics;
  private final Traces traces;
  private final Uploads uploads;

  StartGeneration(
      Pipelines pipelines,
      TransactionTemplate tx,
      ModelCatalog catalog,
      StartLimits limits,
      Generations generations,
      Credits credits,
      Dispatch dispatch,
      IdempotencyKeys keys,
      StatusHistory history,
      JsonMapper json,
      Clock clock,
      GenerationMetrics metrics,
      Traces traces,
      Uploads uploads) {
    this.uploads = uploads;
    this.metrics = metrics;
    this.traces = traces;
    this.pipelines = pipelines;
    this.tx = tx;
    this.catalog = catalog;
    this.limits = limits;
    this.generations = generations;
    this.credits = credits;
    this.dispatch = dispatch;
    this.keys = keys;
    this.history = history;
    this.json = json;
    this.clock = clock;
  }

  @Schema(name = "StartResponse")
  record Response(
      UUID generationId,
      @Schema(allowableValues = {"pending", "processing", "completed", "failed", "cancelled"})
          String status,
      long price,
      long creditsAvailable,
      long creditsHeld,
      Instant createdAt) {}

  /**
   * A start asked for outside the API (a button under a photo sent to the bot): the same checks,
   * limits, hold and idempotency as POST /api/generation/start.
   */
  public Answer start(
      CurrentUser user, String modelId, String prompt, List<UUID> inputIds, String idempotencyKey) {
    return start(user, new StartRequest(modelId, prompt, null, inputIds, null), idempotencyKey);
  }

  Answer start(CurrentUser user, StartRequest request, String idempotencyKey) {
    request.validate();
    String fingerprint =
        idempotencyKey == null ? null : keys.fingerprint(request.fingerprintable());
    try {
      return startLocked(user, request, idempotencyKey, fingerprint);
    } catch (DataAccessException e) {
      if (!LockTimeout.is(e)) {
        throw e;
      }
      // Another start of this user held the row lock past lock_timeout.
      if (idempotencyKey != null) {
        throw new AppError(
            ErrorCode.IDEMPOTENCY_KEY_IN_USE, "a request with this key is still in flight");
      }
      throw new AppError(ErrorCode.SERVICE_UNAVAILABLE, "the account is busy; try again");
    }
  }

  /**
   * Two round trips of statements ({@link Pipeline}): the reads after the lock, then, once every
   * check has passed in Java, the writes. The reads run after the lock is granted, each on a
   * snapshot taken then, so the counts see every start of this user that committed before it.
   */
  private Answer startLocked(
      CurrentUser user, StartRequest request, String idempotencyKey, String fingerprint) {
    return tx.execute(
        status -> {
          Instant asked = clock.instant();
          Pipeline reads = pipelines.open();
          Pipeline.Result<Credits.Balance> locked = credits.lock(reads, user.id());
          Pipeline.Result<Optional<IdempotencyKeys.Stored>> stored =
              idempotencyKey == null
                  ? Pipeline.Result.of(Optional.empty())
                  : keys.replay(reads, user.id(), SCOPE, idempotencyKey, fingerprint);
          Pipeline.Result<CatalogModel> startable = catalog.startable(reads, request.modelId());
          Pipeline.Result<List<UUID>> inputs =
              uploads.use(reads, user.id(), request.inputs(), asked);
          Pipeline.Result<StartLimits.Counts> counts =
              generations.startCounts(
                  reads, user.id(), request.modelId(), limits.windowStart(asked));
          reads.send();
          // After the lock: starts of one user get created_at in the order they commit.
          Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);

          if (stored.get().isPresent()) {
            return Answer.replay(stored.get().get());
          }
          CatalogModel model = startable.get();
          checkInputCount(model, request.inputs());
          ModelParams.Resolved priced =
              model
                  .params()
                  .resolve(request.params(), model.price(), request.inputs().size(), json);
          inputs.get();
          limits.check(counts.get(), user.premium(), model.maxActivePerUser(), now);
          UUID id = UUID.randomUUID();
          Instant deadline = now.plusSeconds(model.deadlineSeconds()).plus(DEADLINE_SLACK);
          Dispatch.Dispatched generation =
              new Dispatch.Dispatched(
                  id,
                  user.id(),
                  model.id(),
                  model.providerModel(),
                  model.kind(),
                  request.prompt(),
                  priced.providerParams(),
                  new Dispatch.Inputs(
                      request.inputs(), model.inputs().param(), model.inputs().list()),
                  priced.outputs(),
                  deadline,
                  null,
                  null);
          String traceparent = traces.current();
          Pipeline writes = pipelines.open();
          // The ledger row references the generation, so the generation goes first.
          insertGeneration(writes, generation, priced.price(), now, traceparent);
          Credits.Balance balance =
              credits
                  .hold(writes, locked.get(), user.id(), id, priced.price())
                  .orElseThrow(() -> insufficient(priced.price(), locked.get().creditsAvailable()));
          history.record(writes, id, user.id(), GenerationStatus.PENDING, "started by user", now);
          dispatch.send(writes, generation, now, traceparent);
          String body =
              json.writeValueAsString(
                  new Response(
                      id,
                      GenerationStatus.PENDING.wire(),
                      priced.price(),
                      balance.creditsAvailable(),
                      balance.creditsHeld(),
                      now));
          if (idempotencyKey != null) {
            keys.save(writes, user.id(), SCOPE, idempotencyKey, fingerprint, 202, body);
          }
          writes.send();
          metrics.started(model.id(), priced.price());
          log.debug(
              "generation {} accepted: model {}, {} credits held", id, model.id(), priced.price());
          return Answer.first(202, body);
        });
  }

  private void insertGeneration(
      Pipeline p, Dispatch.Dispatched g, long price, Instant now, String traceparent) {
    p.update(
        INSERT_GENERATION,
        new MapSqlParameterSource("id", g.id())
            .addValue("userId", g.userId())
            .addValue("modelId", g.modelId())
            .addValue("prompt", g.prompt())
            .addValue("params", json.writeValueAsString(g.params()))
            .addValue("inputIds", Dispatch.Inputs.arrayLiteral(g.inputs().ids()))
            .addValue("price", price)
            .addValue("outputs", g.outputs())
            .addValue("now", Timestamp.from(now))
            .addValue("timeoutAt", Timestamp.from(g.deadline()))
            .addValue("traceparent", traceparent));
  }

  /** As many uploads as the model takes; else 400 naming input_ids. */
  private static void checkInputCount(CatalogModel model, List<UUID> inputs) {
    CatalogModel.Inputs takes = model.inputs();
    if (inputs.size() < takes.min() || inputs.size() > takes.max()) {
      String allowed =
          takes.max() == 0
              ? "must be empty: model " + model.id() + " takes no images"
              : takes.min() == takes.max()
                  ? "must name " + takes.min() + " upload(s) for model " + model.id()
                  : "must name "
                      + takes.min()
                      + " to "
                      + takes.max()
                      + " uploads for model "
                      + model.id();
      throw dev.nanogen.gateway.error.ValidationFailed.of("input_ids", allowed);
    }
  }

  private static AppError insufficient(long required, long available) {
    return new AppError(
        ErrorCode.INSUFFICIENT_CREDITS,
        "the model costs " + required + " credits, " + available + " available",
        Map.of("required", required, "available", available),
        required,
        available);
  }
}

package dev.nanogen.gateway.idempotency;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.ValidationFailed;
import dev.nanogen.gateway.error.ValidationFailed.FieldProblem;
import dev.nanogen.gateway.tx.Pipeline;
import dev.nanogen.gateway.tx.Pipelines;
import dev.nanogen.ops.SingletonJobs;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Stored idempotency keys, scoped to the user and the operation. A key is saved in the same
 * transaction as the effect it guards, together with the request's fingerprint and the response, so
 * a replay returns exactly the first answer and a key can never exist without its effect.
 */
@Component
public class IdempotencyKeys {
  private static final String FIND =
      """
      SELECT fingerprint, response_status, response_body FROM idempotency_keys
      WHERE user_id = :userId AND scope = :scope AND idempotency_key = :key
      """;

  private static final String SAVE =
      """
      INSERT INTO idempotency_keys (user_id, scope, idempotency_key, fingerprint,
                                    response_status, response_body, created_at)
      VALUES (:userId, :scope, :key, :fingerprint, :status, :body, :now)
      """;

  private static final String PURGE = "DELETE FROM idempotency_keys WHERE created_at < :before";

  /** Keys are kept at least this long (docs/api.md); older ones are purged. */
  public static final Duration RETENTION = Duration.ofHours(24);

  /** The user id admin keys are kept under: there is one admin principal. */
  public static final long ADMIN = 0;

  /** The longest key accepted. */
  public static final int MAX_KEY = 64;

  /**
   * The key of a request that may carry it in the Idempotency-Key header or in the body's {@code
   * idempotency_key}: either (both: equal), 1 to 64 characters, or none; else a 400.
   */
  public static String effectiveKey(String header, String body) {
    List<FieldProblem> problems = new ArrayList<>();
    if (header != null && body != null && !header.equals(body)) {
      problems.add(new FieldProblem("idempotency_key", "differs from the Idempotency-Key header"));
    }
    String key = header != null ? header : body;
    if (key != null && (key.isBlank() || key.length() > MAX_KEY)) {
      problems.add(new FieldProblem("idempotency_key", "must be 1 to 64 characters"));
    }
    if (!problems.isEmpty()) {
      throw new ValidationFailed(problems);
    }
    return key;
  }

  /** The Idempotency-Key an admin call must carry, 1 to 64 characters; else a 400. */
  public static String requiredKey(String header) {
    if (header == null || header.isBlank() || header.length() > MAX_KEY) {
      throw ValidationFailed.of("Idempotency-Key", "is required, 1 to 64 characters");
    }
    return header;
  }

  /** A stored first response. */
  public record Stored(String fingerprint, int responseStatus, String responseBody) {}

  private final JdbcClient jdbc;
  private final Clock clock;
  private final JsonMapper canonical;

  private final MeterRegistry meters;

  private final SingletonJobs singletons;

  private final Pipelines pipelines;

  IdempotencyKeys(
      SingletonJobs singletons,
      JdbcClient jdbc,
      Pipelines pipelines,
      Clock clock,
      JsonMapper json,
      MeterRegistry meters) {
    this.singletons = singletons;
    this.pipelines = pipelines;
    this.meters = meters;
    this.jdbc = jdbc;
    this.clock = clock;
    this.canonical = json.rebuild().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();
  }

  /**
   * The stored first response to replay for this key, if the key was used; a key used with another
   * request (another fingerprint) is a 422 IDEMPOTENCY_KEY_REUSED. Call it holding the lock that
   * serializes the scope's requests, so a concurrent first use has committed or not started.
   */
  public Optional<Stored> replay(long userId, String scope, String key, String fingerprint) {
    Pipeline p = pipelines.open();
    Pipeline.Result<Optional<Stored>> stored = replay(p, userId, scope, key, fingerprint);
    p.send();
    return stored.get();
  }

  /** {@link #replay(long, String, String, String)}, read with {@code p}'s other statements. */
  public Pipeline.Result<Optional<Stored>> replay(
      Pipeline p, long userId, String scope, String key, String fingerprint) {
    return p.query(
            FIND,
            new MapSqlParameterSource("userId", userId)
                .addValue("scope", scope)
                .addValue("key", key),
            (rs, n) ->
                new Stored(
                    rs.getString("fingerprint"),
                    rs.getInt("response_status"),
                    rs.getString("response_body")))
        .map(rows -> checked(rows.stream().findFirst(), scope, fingerprint));
  }

  private Optional<Stored> checked(Optional<Stored> stored, String scope, String fingerprint) {
    if (stored.isPresent() && !stored.get().fingerprint().equals(fingerprint)) {
      throw new AppError(
          ErrorCode.IDEMPOTENCY_KEY_REUSED,
          "this Idempotency-Key was used with a different request");
    }
    if (stored.isPresent()) {
      meters.counter("nanogen.idempotency.replays", "scope", scope).increment();
    }
    return stored;
  }

  @Scheduled(
      fixedDelayString = "#{" + NanogenProperties.SETTINGS + ".housekeeping().interval()}",
      initialDelayString = "PT1M")
  void scheduledPurge() {
    // Once per interval over all replicas: the others find the lock taken and skip.
    singletons.run("gateway-idempotency-keys-purge", Duration.ofMinutes(1), this::purge);
  }

  /** Removes keys past {@link #RETENTION}. */
  public void purge() {
    jdbc.sql(PURGE).param("before", Timestamp.from(clock.instant().minus(RETENTION))).update();
  }

  public void save(
      long userId, String scope, String key, String fingerprint, int status, String body) {
    Pipeline p = pipelines.open();
    save(p, userId, scope, key, fingerprint, status, body);
    p.send();
  }

  /** Stores the key with the first response, written with {@code p}'s other statements. */
  public void save(
      Pipeline p,
      long userId,
      String scope,
      String key,
      String fingerprint,
      int status,
      String body) {
    p.update(
        SAVE,
        new MapSqlParameterSource("userId", userId)
            .addValue("scope", scope)
            .addValue("key", key)
            .addValue("fingerprint", fingerprint)
            .addValue("status", status)
            .addValue("body", body)
            .addValue("now", Timestamp.from(clock.instant())));
  }

  /** SHA-256 of the request's canonical JSON (map keys sorted), in hex. */
  public String fingerprint(Object request) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(canonical.writeValueAsString(request).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

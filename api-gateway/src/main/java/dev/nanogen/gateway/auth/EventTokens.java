package dev.nanogen.gateway.auth;

import dev.nanogen.gateway.events.EventsProperties;
import dev.nanogen.ops.SingletonJobs;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Single-use tokens that stand for the tma header where a client cannot send one (EventSource, on
 * GET /api/events only; the event_tokens table's owner): 32 random bytes, kept only as their
 * SHA-256, valid 60 s, deleted when redeemed — by whichever replica the stream reaches — and purged
 * when expired.
 */
@Component
public class EventTokens {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final JdbcClient jdbc;
  private final Clock clock;
  private final Duration lifetime;

  private final SingletonJobs singletons;

  EventTokens(SingletonJobs singletons, JdbcClient jdbc, Clock clock, EventsProperties settings) {
    this.singletons = singletons;
    this.jdbc = jdbc;
    this.clock = clock;
    this.lifetime = settings.tokenLifetime();
  }

  /** A new token for {@code userId}, valid {@code nanogen.events.token-lifetime} (60 s). */
  public String issue(long userId) {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    jdbc.sql(
            "INSERT INTO event_tokens (token_hash, user_id, expires_at) VALUES (:hash, :userId, :expires)")
        .param("hash", hash(token))
        .param("userId", userId)
        .param("expires", Timestamp.from(clock.instant().plus(lifetime)))
        .update();
    return token;
  }

  /**
   * The user a token stands for, once: a second redemption, or one after it expired, finds nothing.
   */
  Optional<Long> redeem(String token) {
    if (token == null || token.isBlank() || token.length() > 100) {
      return Optional.empty();
    }
    return jdbc.sql(
            "DELETE FROM event_tokens WHERE token_hash = :hash AND expires_at > :now RETURNING user_id")
        .param("hash", hash(token))
        .param("now", Timestamp.from(clock.instant()))
        .query(Long.class)
        .optional();
  }

  @Scheduled(fixedDelayString = "PT1M", initialDelayString = "PT1M")
  void scheduledPurge() {
    // Once per interval over all replicas: the others find the lock taken and skip.
    singletons.run("gateway-event-tokens-purge", Duration.ofSeconds(50), this::purge);
  }

  void purge() {
    jdbc.sql("DELETE FROM event_tokens WHERE expires_at < :now")
        .param("now", Timestamp.from(clock.instant()))
        .update();
  }

  private static String hash(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

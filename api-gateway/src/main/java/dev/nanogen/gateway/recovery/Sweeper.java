package dev.nanogen.gateway.recovery;

import dev.nanogen.gateway.config.NanogenProperties;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Makes sure every accepted generation reaches an end whatever died: it fails generations past
 * their deadline (releasing the hold) and re-dispatches stalled ones. Safe in any number of
 * replicas: each rule claims its rows with SKIP LOCKED. State lives in PostgreSQL and Kafka, so
 * there is nothing in memory to lose.
 */
@Component
class Sweeper {
  private static final Logger log = LoggerFactory.getLogger(Sweeper.class);

  private final ExpireOverdue expire;
  private final RedispatchStalled redispatch;
  private final WorkerLeases leases;
  private final NanogenProperties.Sweeper settings;
  private final Clock clock;

  Sweeper(
      ExpireOverdue expire,
      RedispatchStalled redispatch,
      WorkerLeases leases,
      NanogenProperties properties,
      Clock clock) {
    this.expire = expire;
    this.redispatch = redispatch;
    this.leases = leases;
    this.settings = properties.sweeper();
    this.clock = clock;
  }

  /**
   * How long a lapsed worker lease is kept: long past any resume of its videos (the next sweep
   * after it lapsed), so a row is gone only when no processing generation can still name its
   * worker.
   */
  static final Duration LEASE_RETENTION = Duration.ofHours(1);

  /** What one sweep did. */
  public record Swept(int expired, int redispatched) {}

  @Scheduled(
      fixedDelayString = "#{" + NanogenProperties.SETTINGS + ".sweeper().interval()}",
      initialDelayString = "#{" + NanogenProperties.SETTINGS + ".sweeper().interval()}")
  void scheduled() {
    try {
      Swept swept = sweep();
      if (swept.expired() + swept.redispatched() > 0) {
        log.info("sweep: {} timed out, {} re-dispatched", swept.expired(), swept.redispatched());
      }
    } catch (RuntimeException e) {
      log.warn("sweep failed ({}); next one in {}", e.toString(), settings.interval());
    }
  }

  /** One sweep, as of the injected clock's now. */
  public Swept sweep() {
    Instant now = clock.instant();
    int expired = expire.sweep(now, settings.batchSize());
    int redispatched =
        redispatch.sweep(
            now,
            now.minus(settings.pendingStall()),
            now.minus(settings.processingStall()),
            settings.batchSize());
    leases.purge(now.minus(LEASE_RETENTION));
    return new Swept(expired, redispatched);
  }
}

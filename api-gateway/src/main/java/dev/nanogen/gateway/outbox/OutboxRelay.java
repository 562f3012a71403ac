package dev.nanogen.gateway.outbox;

import dev.nanogen.gateway.config.NanogenProperties;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishes the outbox to Kafka: round after round it claims a batch of due rows ({@link
 * ClaimBatch}, {@code FOR UPDATE SKIP LOCKED}, so several replicas share the work without
 * duplicating it), sends them and waits for the broker's acknowledgement ({@link PublishBatch}),
 * then marks them published in the same transaction. Between rounds it sleeps until a commit wakes
 * it or the poll interval passes.
 */
@Component
class OutboxRelay implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

  private final ClaimBatch claim;
  private final PublishBatch publish;
  private final TransactionTemplate tx;
  private final RelaySignal signal;
  private final NanogenProperties.Outbox settings;
  private final Clock clock;
  private final java.util.List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean running;

  OutboxRelay(
      ClaimBatch claim,
      PublishBatch publish,
      TransactionTemplate tx,
      RelaySignal signal,
      NanogenProperties properties,
      Clock clock) {
    this.claim = claim;
    this.publish = publish;
    this.tx = tx;
    this.signal = signal;
    this.settings = properties.outbox();
    this.clock = clock;
  }

  /** One round: claims, publishes and marks at most one batch. Returns how many rows it claimed. */
  int relayOnce() {
    Integer claimed =
        tx.execute(
            status -> {
              List<OutboxRow> rows = claim.due(settings.batchSize(), clock.instant());
              if (!rows.isEmpty()) {
                publish.send(rows);
              }
              return rows.size();
            });
    return claimed == null ? 0 : claimed;
  }

  private void loop() {
    Duration backoff = Duration.ZERO;
    while (running) {
      try {
        int claimed = relayOnce();
        backoff = Duration.ZERO;
        if (claimed < settings.batchSize()) {
          signal.await(settings.pollInterval());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        // Database or broker unreachable: nothing was marked, the rows stay due. Back off and retry.
        backoff = backoff.isZero() ? Duration.ofMillis(200) : capped(backoff.multipliedBy(2));
        log.warn("outbox relay round failed ({}); retrying in {} ms", e.toString(), backoff.toMillis());
        sleep(backoff);
      }
    }
  }

  /** At most 5 s between two failed rounds. */
  private static Duration capped(Duration d) {
    Duration cap = Duration.ofSeconds(5);
    return d.compareTo(cap) > 0 ? cap : d;
  }

  private void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  @Override
  public void start() {
    if (!settings.enabled()) {
      log.info("outbox relay disabled on this replica");
      return;
    }
    running = true;
    for (int i = 0; i < Math.max(1, settings.threads()); i++) {
      threads.add(Thread.ofPlatform().name("outbox-relay-" + i).daemon().start(this::loop));
    }
  }

  @Override
  public void stop() {
    running = false;
    threads.forEach(Thread::interrupt);
    for (Thread t : threads) {
      try {
        t.join(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    threads.clear();
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}

package dev.nanogen.gateway.outbox;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.ops.Backoff;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishes the outbox to Kafka: round after round, in one transaction, it takes a batch of due
 * rows ({@link DueRows}: their pending rows deleted, {@code FOR UPDATE SKIP LOCKED}, so several
 * replicas share the work without duplicating it), sends them and waits for the broker's
 * acknowledgement ({@link PublishBatch}), puts failed rows back with their back-off, and commits:
 * the commit is what marks the rest published. A round that fails rolls back, and its rows are due
 * again. Between rounds it sleeps until a commit wakes it or the poll interval passes.
 *
 * <p>One loop, the leader, follows the commits. The other loops are helpers for a backlog: they run
 * only while rounds come back full, so a steady trickle of starts is relayed in rounds that gather
 * everything committed during the previous round (fewer takes, commits and produce requests per
 * row), and a backlog is still drained by every loop at once.
 */
@Component
class OutboxRelay implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

  /** The waits after a round that failed (the database or the broker unreachable). */
  private static final Backoff ROUND_RETRY =
      Backoff.doubling(Duration.ofMillis(200), Duration.ofSeconds(5));

  private final DueRows due;
  private final PublishBatch publish;
  private final TransactionTemplate tx;
  private final RelaySignal signal;
  private final NanogenProperties.Outbox settings;
  private final Clock clock;
  private final List<Thread> threads = new CopyOnWriteArrayList<>();

  /** Wakes the helper loops when a round came back full: there is a backlog to share. */
  private final Semaphore backlog = new Semaphore(0);

  private final Counter leaderRounds;
  private final Counter helperRounds;
  private volatile boolean running;

  OutboxRelay(
      DueRows due,
      PublishBatch publish,
      TransactionTemplate tx,
      RelaySignal signal,
      NanogenProperties properties,
      Clock clock,
      MeterRegistry registry) {
    this.due = due;
    this.publish = publish;
    this.tx = tx;
    this.signal = signal;
    this.settings = properties.outbox();
    this.clock = clock;
    this.leaderRounds = rounds(registry, "leader");
    this.helperRounds = rounds(registry, "helper");
  }

  /** Rounds that published something; rows per round = nanogen.outbox.sent ÷ this. */
  private static Counter rounds(MeterRegistry registry, String loop) {
    return Counter.builder("nanogen.outbox.rounds")
        .description(
            "relay rounds that took rows, by loop (leader follows commits, helpers join a backlog)")
        .tag("loop", loop)
        .register(registry);
  }

  /** One round: takes, publishes and commits at most one batch. Returns how many rows it took. */
  int relayOnce() {
    Integer taken =
        tx.execute(
            status -> {
              List<OutboxRow> rows = due.take(settings.batchSize(), clock.instant());
              if (!rows.isEmpty()) {
                publish.send(rows);
              }
              return rows.size();
            });
    return taken == null ? 0 : taken;
  }

  private void loop(boolean leader) {
    Counter rounds = leader ? leaderRounds : helperRounds;
    Duration backoff = Duration.ZERO;
    // A helper starts by waiting: it only ever joins a backlog (or the poll, should the leader be
    // stuck).
    boolean wait = !leader;
    while (running) {
      try {
        if (wait && leader) {
          signal.await(settings.pollInterval());
        } else if (wait) {
          awaitBacklog();
        }
        int taken = relayOnce();
        backoff = Duration.ZERO;
        if (taken > 0) {
          rounds.increment();
        }
        wait = taken < settings.batchSize();
        if (!wait) {
          wakeHelpers();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        // Database or broker unreachable: the round rolled back, the rows stay due. Back off and
        // retry.
        backoff = ROUND_RETRY.after(backoff);
        log.warn(
            "outbox relay round failed ({}); retrying in {} ms", e.toString(), backoff.toMillis());
        sleep(backoff);
        wait = false;
      }
    }
  }

  private void wakeHelpers() {
    int helpers = threads.size() - 1;
    if (helpers > 0 && backlog.availablePermits() < helpers) {
      backlog.release(helpers - backlog.availablePermits());
    }
  }

  private void awaitBacklog() throws InterruptedException {
    backlog.tryAcquire(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** At most 5 s between two failed rounds. */
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
      boolean leader = i == 0;
      threads.add(Thread.ofPlatform().name("outbox-relay-" + i).daemon().start(() -> loop(leader)));
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

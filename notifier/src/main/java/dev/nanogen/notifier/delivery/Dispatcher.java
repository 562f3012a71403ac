package dev.nanogen.notifier.delivery;

import dev.nanogen.notifier.config.NotifierProperties;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Sends what the delivery table owes. One pump thread claims due deliveries (one per free chat) as
 * long as fewer than {@code max-in-flight} are on their way; each is handed to {@link
 * DeliverNotice} on a virtual thread, and the chats on their way stay reserved (their leases
 * renewed) until it returns. A chat that Telegram asks to wait (429) waits alone: its deliveries
 * are not due, every other chat goes on. A new notice wakes the pump; the poll interval is the
 * fallback.
 */
@Component
class Dispatcher implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final Deliveries deliveries;
  private final DeliverNotice deliverNotice;
  private final NotifierProperties.Delivery settings;
  private final Semaphore inFlight;
  private final BlockingQueue<Boolean> wake = new ArrayBlockingQueue<>(1);

  /** Chats this replica's messages are on their way to: their reservations are renewed. */
  private final Set<Long> sending = ConcurrentHashMap.newKeySet();

  private ExecutorService senders;
  private ScheduledExecutorService renewals;
  private Thread pump;
  private volatile boolean running;

  Dispatcher(Deliveries deliveries, DeliverNotice deliverNotice, NotifierProperties properties) {
    this.deliveries = deliveries;
    this.deliverNotice = deliverNotice;
    this.settings = properties.delivery();
    this.inFlight = new Semaphore(settings.maxInFlight());
  }

  /** A new notice was recorded: look for due deliveries now rather than at the next poll. */
  void wake() {
    wake.offer(Boolean.TRUE);
  }

  private void pump() {
    while (running) {
      try {
        int free = inFlight.availablePermits();
        List<Deliveries.Claimed> claimed =
            free == 0 ? List.of() : deliveries.claim(free, settings.lease());
        for (Deliveries.Claimed delivery : claimed) {
          inFlight.acquire();
          sending.add(delivery.chatId());
          senders.execute(() -> deliver(delivery));
        }
        if (claimed.isEmpty() || claimed.size() < free) {
          wake.poll(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.warn("claiming deliveries failed, trying again in 1 s: {}", e.toString());
        sleepQuietly(Duration.ofSeconds(1));
      }
    }
  }

  private void deliver(Deliveries.Claimed delivery) {
    try {
      deliverNotice.deliver(delivery);
    } finally {
      sending.remove(delivery.chatId());
      inFlight.release();
      wake();
    }
  }

  private static void sleepQuietly(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void start() {
    running = true;
    senders =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("notifier-send-", 0).factory());
    pump = Thread.ofPlatform().name("notifier-pump").daemon().start(this::pump);
    renewals =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("notifier-lease").daemon().factory());
    long every = settings.leaseRenewEvery().toMillis();
    renewals.scheduleWithFixedDelay(this::renewLeases, every, every, TimeUnit.MILLISECONDS);
  }

  /** Keeps the chats this replica is sending to reserved, however long an upload takes. */
  private void renewLeases() {
    try {
      deliveries.renew(List.copyOf(sending), settings.lease());
    } catch (RuntimeException e) {
      log.warn(
          "renewing the chats on their way failed ({}); next try in {}",
          e.toString(),
          settings.leaseRenewEvery());
    }
  }

  /** Stops claiming, lets the messages on their way finish, hands back those still waiting. */
  @Override
  public void stop() {
    running = false;
    pump.interrupt();
    senders.shutdown();
    try {
      if (!senders.awaitTermination(20, TimeUnit.SECONDS)) {
        senders.shutdownNow();
      }
      pump.join(5_000);
    } catch (InterruptedException e) {
      senders.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      renewals.shutdownNow();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}

package dev.nanogen.notifier.delivery;

import dev.nanogen.model.GenerationProcessingStarted;
import dev.nanogen.model.GenerationSettled;
import dev.nanogen.model.PaymentReceived;
import dev.nanogen.notifier.config.NotifierProperties;
import dev.nanogen.ops.Backoff;
import dev.nanogen.ops.telegram.TelegramError;
import dev.nanogen.ops.trace.Traces;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import java.time.Duration;
import java.time.Instant;
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
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends what the delivery table owes. One pump thread claims due deliveries (one per free chat) as
 * long as fewer than {@code max-in-flight} are on their way; each is sent on a virtual thread once
 * its slot of the shared {@link SendClock} comes. A chat that Telegram asks to wait (429) waits
 * alone: its deliveries are not due, every other chat goes on. A new notice wakes the pump; the
 * poll interval is the fallback.
 *
 * <p>Endings: sent; 403 → the chat is recorded blocked (and the gateway told), not retried; other
 * 4xx → dropped; 5xx, network, anything else → retried with exponential back-off and jitter until
 * max-retry-age, then parked for an admin.
 */
@Component
class Dispatcher implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final Deliveries deliveries;
  private final Traces traces;
  private final SendClock clock;
  private final SendNotice send;
  private final ChatStatus chatStatus;
  private final JsonMapper json;
  private final NotifierProperties.Delivery settings;

  /** The waits after a failed send: first-retry, doubling, at most max-retry-interval, ±20 %. */
  private final Backoff retries;

  private final MeterRegistry meters;
  private final Timer latency;
  private final Semaphore inFlight;
  private final BlockingQueue<Boolean> wake = new ArrayBlockingQueue<>(1);

  /** Chats this replica's messages are on their way to: their reservations are renewed. */
  private final Set<Long> sending = ConcurrentHashMap.newKeySet();

  private ExecutorService senders;
  private ScheduledExecutorService renewals;
  private Thread pump;
  private volatile boolean running;

  Dispatcher(
      Deliveries deliveries,
      Traces traces,
      SendClock clock,
      SendNotice send,
      ChatStatus chatStatus,
      JsonMapper json,
      NotifierProperties properties,
      MeterRegistry meters) {
    this.deliveries = deliveries;
    this.traces = traces;
    this.clock = clock;
    this.send = send;
    this.chatStatus = chatStatus;
    this.json = json;
    this.settings = properties.delivery();
    this.retries = new Backoff(settings.firstRetry(), 2.0, settings.maxRetryInterval(), 0.2);
    this.meters = meters;
    this.inFlight = new Semaphore(settings.maxInFlight());
    this.latency =
        Timer.builder("nanogen.notifier.delivery.latency")
            .description("from the generation's settlement to the user's message")
            .publishPercentileHistogram()
            .register(meters);
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
    MDC.put("generation_id", delivery.generationId().toString());
    MDC.put("user_id", Long.toString(delivery.userId()));
    // On the generation's trace: the Telegram calls and every log line of this send.
    Span span =
        traces.continued(
            delivery.traceparent(),
            "notify " + delivery.kind().name().toLowerCase(java.util.Locale.ROOT));
    try (Tracer.SpanInScope scope = traces.inScope(span)) {
      if (delivery.kind() == Deliveries.Kind.STARTED) {
        started(delivery, json.readValue(delivery.notice(), GenerationProcessingStarted.class));
      } else if (delivery.kind() == Deliveries.Kind.PURCHASE) {
        PaymentReceived notice = json.readValue(delivery.notice(), PaymentReceived.class);
        attempt(delivery, notice.occurredAt(), pacer -> send.purchased(notice, pacer));
      } else {
        GenerationSettled notice = json.readValue(delivery.notice(), GenerationSettled.class);
        attempt(delivery, notice.occurredAt(), pacer -> send.send(notice, pacer));
      }
    } catch (InterruptedException e) {
      deliveries.retryAfter(delivery, Duration.ZERO, "handed back at shutdown");
    } catch (RuntimeException e) {
      // The ending could not be recorded (database down): the chat's lease runs out and the
      // delivery
      // is tried again, so at worst this one message repeats.
      log.error(
          "delivery {} to chat {} could not be recorded: {}",
          delivery.id(),
          delivery.chatId(),
          e.toString());
    } finally {
      span.end();
      MDC.remove("generation_id");
      MDC.remove("user_id");
      sending.remove(delivery.chatId());
      inFlight.release();
      wake();
    }
  }

  /** A started notice, unless the result is already owed: then it would only arrive out of date. */
  private void started(Deliveries.Claimed delivery, GenerationProcessingStarted notice)
      throws InterruptedException {
    if (deliveries.hasResult(delivery.generationId())) {
      count("superseded");
      deliveries.dropped(delivery, "superseded by the result", Duration.ZERO);
      return;
    }
    attempt(delivery, notice.occurredAt(), pacer -> send.started(notice, pacer));
  }

  /** Sends one notice. */
  private interface Sending {
    long send(SendNotice.Pacer pacer) throws InterruptedException;
  }

  private void attempt(Deliveries.Claimed delivery, Instant occurredAt, Sending sending)
      throws InterruptedException {
    long chat = delivery.chatId();
    try {
      long messageId = sending.send(clock::paced);
      if (delivery.chatBlocked()) {
        chatStatus.reachable(delivery);
      }
      deliveries.sent(delivery, messageId, settings.perChatInterval());
      count("sent");
      latency.record(Duration.between(occurredAt, Instant.now()));
      log.info(
          "notified chat {} of generation {} ({})", chat, delivery.generationId(), delivery.kind());
    } catch (TelegramError.RetryAfter e) {
      count("retry_after");
      Duration wait = Duration.ofSeconds(Math.max(1, e.retryAfterSeconds()));
      log.warn("chat {}: Telegram asks to wait {} s", chat, wait.toSeconds());
      deliveries.retryAfter(delivery, wait, e.getMessage());
    } catch (TelegramError.Final e) {
      if (e.errorCode() == 403) {
        count("blocked");
        log.warn("chat {} refuses the bot: {}", chat, e.getMessage());
        chatStatus.blocked(delivery, e.getMessage());
        deliveries.blocked(delivery, e.getMessage(), settings.perChatInterval());
      } else {
        count("dropped");
        log.warn(
            "chat {}: Telegram refused the notice of generation {}, dropped: {}",
            chat,
            delivery.generationId(),
            e.getMessage());
        deliveries.dropped(delivery, e.getMessage(), settings.perChatInterval());
      }
    } catch (SendNotice.UnsafeResult e) {
      count("refused_url");
      log.warn(
          "chat {}: the notice of generation {} names a refused result URL, dropped: {}",
          chat,
          delivery.generationId(),
          e.getMessage());
      deliveries.dropped(delivery, e.getMessage(), settings.perChatInterval());
    } catch (RuntimeException e) {
      Duration backoff = retries.delay(delivery.attempts());
      boolean parked =
          deliveries.failed(
              delivery, backoff, settings.perChatInterval(), settings.maxRetryAge(), describe(e));
      count(parked ? "parked" : "failed");
      log.warn(
          "chat {}: attempt {} failed ({}); {}",
          chat,
          delivery.attempts(),
          describe(e),
          parked ? "parked" : "next try in " + backoff.toSeconds() + " s");
    }
  }

  private static String describe(RuntimeException e) {
    Throwable cause = e.getCause() != null && !(e instanceof TelegramError) ? e.getCause() : e;
    return cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }

  private void count(String outcome) {
    meters.counter("nanogen.telegram.sends", "outcome", outcome).increment();
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

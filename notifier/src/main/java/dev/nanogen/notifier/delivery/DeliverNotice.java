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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends one claimed delivery on its generation's trace, once its slot of the shared {@link
 * SendClock} comes, and records how it ended: sent; 429 → the chat waits what Telegram asks; 403 →
 * the chat is recorded blocked (and the gateway told), not retried; other 4xx or a refused result
 * URL → dropped; 5xx, network, anything else → retried with back-off and jitter until
 * max-retry-age, then parked for an admin. A started notice whose result is already owed is dropped
 * unsent.
 */
@Component
class DeliverNotice {
  private static final Logger log = LoggerFactory.getLogger(DeliverNotice.class);

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

  DeliverNotice(
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
    this.latency =
        Timer.builder("nanogen.notifier.delivery.latency")
            .description("from the generation's settlement to the user's message")
            .publishPercentileHistogram()
            .register(meters);
  }

  /** Sends {@code delivery} and records its ending; the caller frees its chat and slot after. */
  void deliver(Deliveries.Claimed delivery) {
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
      // delivery is tried again, so at worst this one message repeats.
      log.error(
          "delivery {} to chat {} could not be recorded: {}",
          delivery.id(),
          delivery.chatId(),
          e.toString());
    } finally {
      span.end();
      MDC.remove("generation_id");
      MDC.remove("user_id");
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
}

package dev.nanogen.worker.job;

import dev.nanogen.model.Topics;
import dev.nanogen.ops.Backoff;
import dev.nanogen.ops.KafkaEvents;
import dev.nanogen.ops.trace.Traces;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes an outcome keyed by generation id and waits for the broker's acknowledgement, retrying
 * through a broker outage.
 */
@Component
class OutcomePublisher {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(OutcomePublisher.class);

  /**
   * How long an outcome waits for a broker that is down before the request is given up to recovery.
   */
  static final Duration MAX_OUTAGE = Duration.ofMinutes(10);

  /** The waits between two sends of an outcome the broker did not acknowledge. */
  private static final Backoff RETRY =
      Backoff.doubling(Duration.ofMillis(200), Duration.ofSeconds(5));

  private final KafkaTemplate<String, String> kafka;
  private final KafkaEvents events;
  private final Traces traces;

  OutcomePublisher(KafkaTemplate<String, String> kafka, KafkaEvents events, Traces traces) {
    this.kafka = kafka;
    this.events = events;
    this.traces = traces;
  }

  /**
   * Publishes once, waiting at most {@code wait} for the broker's acknowledgement; false when it
   * did not come (the record may still arrive: its event id makes a second copy harmless).
   */
  boolean publishOnce(UUID generationId, Record outcome, java.time.Duration wait) {
    ProducerRecord<String, String> record =
        events.encode(Topics.OUTCOMES, generationId.toString(), outcome);
    traces.addTo(record.headers());
    try {
      kafka.send(record).get(wait.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException | org.springframework.kafka.KafkaException e) {
      log.warn(
          "{} of {} not acknowledged: {}",
          outcome.getClass().getSimpleName(),
          generationId,
          e.toString());
      return false;
    }
  }

  /** Publishes on the current trace (the generation's span on the job's thread). */
  void publish(UUID generationId, Record outcome) {
    ProducerRecord<String, String> record =
        events.encode(Topics.OUTCOMES, generationId.toString(), outcome);
    traces.addTo(record.headers());
    // The work behind an outcome is not repeated for a broker outage: the same record (same event
    // id, which the gateway de-duplicates) is sent again until the broker takes it.
    long deadline = System.nanoTime() + MAX_OUTAGE.toNanos();
    Duration wait = Duration.ZERO;
    while (true) {
      try {
        kafka.send(record).get(30, TimeUnit.SECONDS);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while publishing an outcome", e);
      } catch (ExecutionException | TimeoutException | org.springframework.kafka.KafkaException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("outcome not acknowledged by the broker", e);
        }
        wait = RETRY.after(wait);
        log.warn(
            "outcome of {} not acknowledged ({}); retrying in {} ms",
            generationId,
            e.toString(),
            wait.toMillis());
        try {
          Thread.sleep(wait);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while publishing an outcome", interrupted);
        }
      }
    }
  }
}

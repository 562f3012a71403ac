package dev.nanogen.worker.job;

import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaEvents;
import dev.nanogen.ops.KafkaRecords;
import dev.nanogen.ops.trace.Traces;
import dev.nanogen.worker.config.ShareGroupConfig;
import dev.nanogen.worker.config.WorkerProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.support.ShareAcknowledgment;
import org.springframework.stereotype.Component;

/**
 * Takes generation requests from the share group, one acquired record at a time, and settles each
 * with the broker:
 *
 * <ul>
 *   <li>ACCEPT once the job's GenerationStarted is in Kafka (from the job's thread: the listener
 *       goes on admitting the poll's next record meanwhile) (the gateway knows it from then on; its
 *       leases and sweeper, not a redelivery, recover it) — or at once for a duplicate of a job
 *       running or finished here;
 *   <li>while every slot is taken, the record is held (its acquisition lock renewed) for up to
 *       {@code full-hold}, then RELEASEd to the other workers, and so are the rest of that poll's
 *       records — waiting jobs wait in Kafka, not in memory;
 *   <li>RELEASE when its GenerationStarted could not be published (the broker redelivers it);
 *   <li>REJECT, after a copy went to the dead-letter topic, when it cannot be read.
 * </ul>
 *
 * A worker killed while holding records never acknowledges them: the broker redelivers them to
 * another worker when their acquisition lock runs out.
 */
@Component
class ShareRequestListener {
  private static final Logger log = LoggerFactory.getLogger(ShareRequestListener.class);

  /** How often a held record's acquisition lock is renewed (the broker's default lock is 30 s). */
  static final Duration RENEW_EVERY = Duration.ofSeconds(10);

  /**
   * After a hold ran out, how long this consumer releases full-time records without holding them.
   */
  static final Duration RELEASE_REST = Duration.ofSeconds(1);

  /** Per consumer thread: until when records that find no slot are released at once. */
  private final ThreadLocal<Long> releasingUntil = ThreadLocal.withInitial(() -> 0L);

  private final Jobs jobs;
  private final KafkaEvents events;
  private final DeadLetterPublishingRecoverer deadLetters;
  private final Duration fullHold;
  private final MeterRegistry meters;

  ShareRequestListener(
      Jobs jobs,
      KafkaEvents events,
      KafkaTemplate<String, String> template,
      WorkerProperties properties,
      MeterRegistry meters) {
    this.jobs = jobs;
    this.events = events;
    this.deadLetters = KafkaRecords.deadLetters(template);
    this.fullHold = properties.worker().fullHold();
    this.meters = meters;
  }

  @KafkaListener(
      id = RequestIntake.SHARE_LISTENER,
      topics = Topics.REQUESTS,
      groupId = ShareGroupConfig.GROUP,
      containerFactory = "shareRequests",
      concurrency = "#{" + WorkerProperties.SETTINGS + ".worker().concurrency()}",
      autoStartup = "false")
  void on(ConsumerRecord<String, String> record, ShareAcknowledgment ack)
      throws InterruptedException {
    MDC.put("generation_id", record.key());
    try {
      GenerationRequested request;
      try {
        request = events.decode(record, GenerationRequested.class);
      } catch (RuntimeException e) {
        log.warn(
            "unreadable request {}-{}@{}: dead-lettered and rejected: {}",
            record.topic(),
            record.partition(),
            record.offset(),
            e.toString());
        deadLetters.accept(record, e);
        ack.reject();
        count("rejected");
        return;
      }
      MDC.put("user_id", Long.toString(request.userId()));
      settle(request, Traces.of(record.headers()), ack);
    } finally {
      MDC.remove("generation_id");
      MDC.remove("user_id");
    }
  }

  private void settle(GenerationRequested request, String traceparent, ShareAcknowledgment ack)
      throws InterruptedException {
    long heldSince = System.nanoTime();
    long renewedAt = heldSince;
    while (true) {
      Jobs.Admission admission = jobs.admit(request, traceparent);
      switch (admission.outcome()) {
        case STARTED -> {
          // Acknowledged from the job's thread once GenerationStarted is in Kafka; the container
          // queues it for its consumer thread. Meanwhile this thread admits the poll's next record.
          admission
              .handedOff()
              .whenComplete(
                  (started, error) -> {
                    if (error == null) {
                      ack.acknowledge();
                      count("accepted");
                    } else {
                      log.warn(
                          "generation {}: GenerationStarted not published ({}); released for redelivery",
                          request.generationId(),
                          error.toString());
                      ack.release();
                      count("released");
                    }
                  });
          return;
        }
        case DUPLICATE -> {
          log.info(
              "generation {} is running or ran here already; duplicate request accepted",
              request.generationId());
          ack.acknowledge();
          count("duplicate");
          return;
        }
        case FULL -> {
          long now = System.nanoTime();
          // A hold that ran out releases the rest of this poll at once: they would only wait too.
          if (now - heldSince >= fullHold.toNanos() || now < releasingUntil.get()) {
            releasingUntil.set(now + RELEASE_REST.toNanos());
            ack.release();
            count("released_full");
            return;
          }
          if (now - renewedAt >= RENEW_EVERY.toNanos()) {
            ack.renew();
            renewedAt = now;
          }
        }
      }
    }
  }

  private void count(String outcome) {
    meters.counter("nanogen.worker.requests", "outcome", outcome).increment();
  }
}

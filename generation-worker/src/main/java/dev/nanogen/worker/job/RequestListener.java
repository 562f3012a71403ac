package dev.nanogen.worker.job;

import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaEvents;
import dev.nanogen.ops.trace.Traces;
import dev.nanogen.worker.config.WorkerProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.stereotype.Component;

/**
 * Consumes GenerationRequested a poll at a time and admits each to {@link Jobs}; their
 * GenerationStarted go out concurrently, and the poll's offsets are committed once every one is
 * acknowledged by the broker. A request with no free slot is not taken: the offsets before it are
 * committed and it is read again after a short pause, so waiting jobs wait in Kafka, not in memory.
 * A record that cannot be read fails alone (BatchListenerFailedException names it) and goes to the
 * dead-letter topic.
 *
 * <p>The consumer-group path, chosen at start by {@link RequestIntake} where the cluster has no
 * share groups (or {@code nanogen.worker.share-group=off}); the share group ({@link
 * ShareRequestListener}) is the default.
 *
 * <p>Few consumers per process ({@code nanogen.worker.concurrency}, default 3): admitting is quick,
 * the generations run elsewhere, and a partition can belong to one consumer only — with 12
 * partitions and 3 consumers each, 4 worker processes all get work (more partitions allow more).
 */
@Component
class RequestListener {
  private static final Logger log = LoggerFactory.getLogger(RequestListener.class);
  static final Duration FULL_PAUSE = Duration.ofSeconds(1);

  /** The consumer group of every worker on this path. */
  static final String GROUP = "nanogen-worker";

  private final Jobs jobs;
  private final KafkaEvents events;

  RequestListener(Jobs jobs, KafkaEvents events) {
    this.jobs = jobs;
    this.events = events;
  }

  private record Admitted(int index, CompletableFuture<Void> handedOff) {}

  @KafkaListener(
      id = RequestIntake.GROUP_LISTENER,
      topics = Topics.REQUESTS,
      groupId = GROUP,
      batch = "true",
      concurrency = "#{" + WorkerProperties.SETTINGS + ".worker().concurrency()}",
      autoStartup = "false")
  void on(List<ConsumerRecord<String, String>> records, Acknowledgment ack)
      throws InterruptedException {
    List<Admitted> admitted = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      ConsumerRecord<String, String> record = records.get(i);
      String traceparent = Traces.of(record.headers());
      MDC.put("generation_id", record.key());
      try {
        GenerationRequested request;
        try {
          request = parse(record);
        } catch (RuntimeException e) {
          awaitHandOffs(admitted);
          throw new BatchListenerFailedException("unreadable request", e, i);
        }
        MDC.put("user_id", Long.toString(request.userId()));
        Jobs.Admission admission = jobs.admit(request, traceparent);
        switch (admission.outcome()) {
          case STARTED -> admitted.add(new Admitted(i, admission.handedOff()));
          case DUPLICATE ->
              log.info(
                  "generation {} is running or ran here already; duplicate request skipped",
                  request.generationId());
          case FULL -> {
            awaitHandOffs(admitted);
            ack.nack(i, FULL_PAUSE);
            return;
          }
        }
      } finally {
        MDC.remove("generation_id");
        MDC.remove("user_id");
      }
    }
    awaitHandOffs(admitted);
    ack.acknowledge();
  }

  /**
   * Waits for every GenerationStarted; the first that failed fails the batch from its record on.
   */
  private static void awaitHandOffs(List<Admitted> admitted) throws InterruptedException {
    Admitted failed = null;
    Throwable cause = null;
    for (Admitted a : admitted) {
      try {
        a.handedOff().get();
      } catch (ExecutionException e) {
        if (failed == null) {
          failed = a;
          cause = e.getCause();
        }
      }
    }
    if (failed != null) {
      throw new BatchListenerFailedException(
          "GenerationStarted not published", cause, failed.index());
    }
  }

  private GenerationRequested parse(ConsumerRecord<String, String> record) {
    return events.decode(record, GenerationRequested.class);
  }
}

package dev.nanogen.worker.job;

import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Consumes GenerationRequested and admits each to {@link Jobs}. The offset is committed as soon as
 * GenerationStarted is acknowledged by the broker (or the request was a duplicate); a request with
 * no free slot is not taken: the partition is re-read after a short pause, so waiting jobs wait in
 * Kafka, not in memory.
 *
 * <p>Few consumers per process ({@code nanogen.worker.concurrency}, default 3): admitting is quick,
 * the generations run elsewhere, and a partition can belong to one consumer only — with 12 partitions
 * and 3 consumers each, 4 worker processes all get work (more partitions allow more).
 */
@Component
class RequestListener {
  private static final Logger log = LoggerFactory.getLogger(RequestListener.class);
  static final Duration FULL_PAUSE = Duration.ofSeconds(1);

  private final Jobs jobs;
  private final JsonMapper json;

  RequestListener(Jobs jobs, JsonMapper json) {
    this.jobs = jobs;
    this.json = json;
  }

  @KafkaListener(
      id = "worker-requests",
      topics = Topics.REQUESTS,
      groupId = "nanogen-worker",
      concurrency = "${nanogen.worker.concurrency:3}")
  void on(ConsumerRecord<String, String> record, Acknowledgment ack) throws InterruptedException {
    String type = header(record, Topics.EVENT_TYPE_HEADER);
    if (!"GenerationRequested".equals(type)) {
      throw new IllegalArgumentException("unexpected event type " + type);
    }
    String correlationId = header(record, Topics.CORRELATION_HEADER);
    MDC.put("correlation_id", correlationId);
    MDC.put("generation_id", record.key());
    try {
      GenerationRequested request = json.readValue(record.value(), GenerationRequested.class);
      switch (jobs.admit(request, correlationId)) {
        case STARTED -> ack.acknowledge();
        case DUPLICATE -> {
          log.info("generation {} is running or ran here already; duplicate request skipped", request.generationId());
          ack.acknowledge();
        }
        case FULL -> ack.nack(FULL_PAUSE);
      }
    } finally {
      MDC.remove("correlation_id");
      MDC.remove("generation_id");
    }
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}

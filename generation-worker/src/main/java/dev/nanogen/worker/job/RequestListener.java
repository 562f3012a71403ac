package dev.nanogen.worker.job;

import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Consumes GenerationRequested and runs each. The offset is committed as soon as GenerationStarted is
 * acknowledged by the broker (or when the request ends without starting).
 */
@Component
class RequestListener {
  private final RunGeneration run;
  private final JsonMapper json;

  RequestListener(RunGeneration run, JsonMapper json) {
    this.run = run;
    this.json = json;
  }

  @KafkaListener(
      id = "worker-requests",
      topics = Topics.REQUESTS,
      groupId = "nanogen-worker",
      concurrency = "${nanogen.worker.concurrency:12}")
  void on(ConsumerRecord<String, String> record, Acknowledgment ack) {
    String type = header(record, Topics.EVENT_TYPE_HEADER);
    if (!"GenerationRequested".equals(type)) {
      throw new IllegalArgumentException("unexpected event type " + type);
    }
    String correlationId = header(record, Topics.CORRELATION_HEADER);
    MDC.put("correlation_id", correlationId);
    MDC.put("generation_id", record.key());
    try {
      run.run(json.readValue(record.value(), GenerationRequested.class), correlationId, ack::acknowledge);
      ack.acknowledge();
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

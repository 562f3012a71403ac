package dev.nanogen.notifier.delivery;

import dev.nanogen.model.GenerationSettled;
import dev.nanogen.model.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** Consumes GenerationSettled: the money is settled, so whatever the notice says is true. */
@Component
class SettledListener {
  private final DeliverNotice deliver;
  private final JsonMapper json;

  SettledListener(DeliverNotice deliver, JsonMapper json) {
    this.deliver = deliver;
    this.json = json;
  }

  @KafkaListener(
      id = "notifier-settled",
      topics = Topics.SETTLED,
      groupId = "nanogen-notifier",
      concurrency = "${nanogen.notifier.concurrency:2}")
  void on(ConsumerRecord<String, String> record) {
    String type = header(record, Topics.EVENT_TYPE_HEADER);
    if (!"GenerationSettled".equals(type)) {
      throw new IllegalArgumentException("unexpected event type " + type);
    }
    MDC.put("correlation_id", header(record, Topics.CORRELATION_HEADER));
    MDC.put("generation_id", record.key());
    try {
      deliver.deliver(json.readValue(record.value(), GenerationSettled.class));
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

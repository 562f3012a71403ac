package dev.nanogen.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanogen.model.GenerationClaimed;
import dev.nanogen.model.Topics;
import dev.nanogen.model.WorkerHeartbeat;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** Events to records and back; topics that make {@code acks=all} mean something. */
class KafkaEventsTest {
  private final KafkaEvents events = new KafkaEvents(JsonMapper.builder().build());

  @Test
  void a_record_decodes_to_the_event_its_type_header_names_among_those_asked_for() {
    WorkerHeartbeat beat =
        new WorkerHeartbeat(
            UUID.randomUUID(), Instant.parse("2026-11-29T12:00:00Z"), 1, UUID.randomUUID(), 20);
    ProducerRecord<String, String> sent = events.encode(Topics.HEARTBEATS, "k", beat);
    assertThat(KafkaRecords.header(received(sent), Topics.EVENT_TYPE_HEADER))
        .isEqualTo("WorkerHeartbeat");

    assertThat(events.decode(received(sent), GenerationClaimed.class, WorkerHeartbeat.class))
        .isEqualTo(beat);
    assertThat(events.decode(received(sent), WorkerHeartbeat.class)).isEqualTo(beat);
    assertThatThrownBy(() -> events.decode(received(sent), GenerationClaimed.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is a WorkerHeartbeat, expected one of [GenerationClaimed]");
  }

  @Test
  void a_record_without_a_type_or_with_broken_json_is_refused() {
    ConsumerRecord<String, String> untyped =
        new ConsumerRecord<>(Topics.HEARTBEATS, 0, 7, "k", "{}");
    assertThatThrownBy(() -> events.decode(untyped, WorkerHeartbeat.class))
        .isInstanceOf(KafkaEvents.UnexpectedEvent.class);
    ProducerRecord<String, String> broken =
        new ProducerRecord<>(Topics.HEARTBEATS, "k", "{not json");
    broken.headers().add(Topics.EVENT_TYPE_HEADER, "WorkerHeartbeat".getBytes());
    assertThatThrownBy(() -> events.decode(received(broken), WorkerHeartbeat.class))
        .isInstanceOf(JacksonException.class);
  }

  @Test
  void replicated_topics_need_all_but_one_replica_in_sync_for_a_write_at_most_two() {
    assertThat(KafkaRecords.minInSync((short) 1)).isEqualTo(1);
    assertThat(KafkaRecords.minInSync((short) 2)).isEqualTo(1);
    assertThat(KafkaRecords.minInSync((short) 3)).isEqualTo(2);
    assertThat(KafkaRecords.minInSync((short) 5)).isEqualTo(2);
    for (var topic :
        java.util.List.of(
            KafkaRecords.topic("t", 12, (short) 3),
            KafkaRecords.deadLetterTopic("t", (short) 3),
            KafkaRecords.heartbeatTopic((short) 3))) {
      assertThat(topic.configs())
          .as(topic.name())
          .containsEntry(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2");
    }
  }

  private static ConsumerRecord<String, String> received(ProducerRecord<String, String> sent) {
    ConsumerRecord<String, String> record =
        new ConsumerRecord<>(sent.topic(), 0, 0, sent.key(), sent.value());
    sent.headers().forEach(h -> record.headers().add(h));
    return record;
  }
}

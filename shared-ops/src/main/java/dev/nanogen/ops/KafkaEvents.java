package dev.nanogen.ops;

import dev.nanogen.model.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place an event becomes a Kafka record and back: the value is the event's JSON, the header
 * {@link Topics#EVENT_TYPE_HEADER} its record class's simple name. A listener names the types it
 * takes and switches over what it gets; a record of another type fails with {@link UnexpectedEvent}
 * (an {@link IllegalArgumentException}), one that does not parse with Jackson's exception: every
 * service's dead-letter handler sends both to {@code <topic>.dlt} without retrying.
 */
public final class KafkaEvents {
  private final JsonMapper json;

  public KafkaEvents(JsonMapper json) {
    this.json = json;
  }

  /** The record's event, which must be of one of {@code types}. */
  @SafeVarargs
  public final Record decode(
      ConsumerRecord<String, String> record, Class<? extends Record>... types) {
    String type = KafkaRecords.header(record, Topics.EVENT_TYPE_HEADER);
    for (Class<? extends Record> candidate : types) {
      if (candidate.getSimpleName().equals(type)) {
        return json.readValue(record.value(), candidate);
      }
    }
    throw new UnexpectedEvent(record, type, types);
  }

  /** The record's event, which must be a {@code type}. */
  public <T extends Record> T decode(ConsumerRecord<String, String> record, Class<T> type) {
    return type.cast(decode(record, new Class[] {type}));
  }

  /** A record of {@code event} on {@code topic}, keyed by {@code key}, with its type header. */
  public ProducerRecord<String, String> encode(String topic, String key, Record event) {
    ProducerRecord<String, String> record =
        new ProducerRecord<>(topic, key, json.writeValueAsString(event));
    record
        .headers()
        .add(
            Topics.EVENT_TYPE_HEADER,
            event.getClass().getSimpleName().getBytes(StandardCharsets.UTF_8));
    return record;
  }

  /** A record whose type header names none of the types its listener takes. */
  public static final class UnexpectedEvent extends IllegalArgumentException {
    UnexpectedEvent(ConsumerRecord<?, ?> record, String type, Class<?>[] expected) {
      super(
          "record "
              + record.topic()
              + "-"
              + record.partition()
              + "@"
              + record.offset()
              + " is a "
              + type
              + ", expected one of "
              + Arrays.stream(expected).map(Class::getSimpleName).toList());
    }
  }
}

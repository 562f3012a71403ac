package dev.nanogen.ops;

import dev.nanogen.model.Topics;
import java.nio.charset.StandardCharsets;
import java.util.function.BiFunction;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.BackOff;

/**
 * How every NanoGen consumer reads a record's headers and what it does with a record it cannot
 * handle.
 */
public final class KafkaRecords {
  private static final Logger log = LoggerFactory.getLogger(KafkaRecords.class);

  private KafkaRecords() {}

  /** An event topic: {@code partitions} bound how many consumers of a group share its records. */
  public static NewTopic topic(String name, int partitions, short replicas) {
    return durable(TopicBuilder.name(name).partitions(partitions), replicas).build();
  }

  /**
   * The outcomes topic: an event topic whose records carry the broker's time of appending ({@code
   * LogAppendTime}), not the producing worker's clock, so the gateway can tell how long ago a claim
   * was made without trusting a worker's clock.
   */
  public static NewTopic outcomesTopic(int partitions, short replicas) {
    return durable(TopicBuilder.name(Topics.OUTCOMES).partitions(partitions), replicas)
        .config(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime")
        .build();
  }

  /**
   * {@code replicas} copies, of which a write ({@code acks=all}) waits for all in sync and at least
   * {@link #minInSync(short)}: with 3 replicas, 2 — one broker may be down, and an acknowledged
   * record is on two.
   */
  private static TopicBuilder durable(TopicBuilder topic, short replicas) {
    return topic
        .replicas(replicas)
        .config(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(minInSync(replicas)));
  }

  /** The in-sync replicas a write needs: all but one, at most 2, at least 1. */
  public static int minInSync(short replicas) {
    return Math.max(1, Math.min(2, replicas - 1));
  }

  /**
   * The dead-letter topic of {@code topic}: one partition, since nobody consumes it in parallel and
   * every partition is one more log a restarting broker loads.
   */
  public static NewTopic deadLetterTopic(String topic, short replicas) {
    return durable(TopicBuilder.name(topic + Topics.DLT_SUFFIX).partitions(1), replicas).build();
  }

  /**
   * The heartbeat topic (its producer, the worker, and its consumer, the gateway, both create it):
   * one partition (a few records a second at most; one gateway replica reads them all), records
   * kept {@link Topics#HEARTBEAT_RETENTION}, since an old heartbeat says nothing, and stamped with
   * the broker's time of appending: a lease runs from when the broker took the heartbeat, so one
   * read late (a gateway frozen or lagging) does not extend it.
   */
  public static NewTopic heartbeatTopic(short replicas) {
    return durable(TopicBuilder.name(Topics.HEARTBEATS).partitions(1), replicas)
        .config(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime")
        .config(
            TopicConfig.RETENTION_MS_CONFIG, String.valueOf(Topics.HEARTBEAT_RETENTION.toMillis()))
        .build();
  }

  /** A header's text (UTF-8), or null when the record has none by that name. */
  public static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /**
   * Publishes a record to {@code <topic>.dlt} (its key picks the partition; the failure and the
   * original partition and offset are in its headers) and waits for the broker: what a share-group
   * listener does before it REJECTs a record.
   */
  public static DeadLetterPublishingRecoverer deadLetters(KafkaTemplate<String, String> template) {
    BiFunction<ConsumerRecord<?, ?>, Exception, TopicPartition> destination =
        (record, e) -> new TopicPartition(record.topic() + Topics.DLT_SUFFIX, -1);
    return new DeadLetterPublishingRecoverer(template, destination);
  }

  /**
   * Retries a failing record with {@code backOff}, then publishes it to {@code <topic>.dlt} and
   * moves on; a record failing with one of {@code notRetryable} (unparseable, unknown type) goes
   * there at once. Every failed attempt is logged with the most specific cause.
   */
  @SafeVarargs
  public static DefaultErrorHandler deadLetterHandler(
      KafkaTemplate<String, String> template,
      BackOff backOff,
      Class<? extends Exception>... notRetryable) {
    DefaultErrorHandler handler = new DefaultErrorHandler(deadLetters(template), backOff);
    handler.setRetryListeners(
        (record, e, attempt) ->
            log.warn(
                "record {}-{}@{} failed (attempt {}): {}",
                record.topic(),
                record.partition(),
                record.offset(),
                attempt,
                NestedExceptionUtils.getMostSpecificCause(e).toString()));
    handler.addNotRetryableExceptions(notRetryable);
    return handler;
  }
}

package dev.nanogen.worker.job;

import dev.nanogen.model.GenerationSettled;
import dev.nanogen.model.GenerationStatus;
import dev.nanogen.model.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Learns which generations were cancelled, so a worker stops polling them. Every worker instance
 * reads the settled topic in a consumer group of its own (a broadcast, newest records only) and keeps
 * cancelled ids for a day. A cancel that this instance missed costs only wasted polling: the
 * gateway ignores a late outcome of a cancelled generation.
 */
@Component
class Cancellations {
  static final Duration MEMORY = Duration.ofHours(24);

  private final Map<UUID, Instant> cancelled = new ConcurrentHashMap<>();
  private final JsonMapper json;
  private final Clock clock;

  Cancellations(JsonMapper json, Clock clock) {
    this.json = json;
    this.clock = clock;
  }

  @KafkaListener(
      id = "worker-cancellations",
      topics = Topics.SETTLED,
      groupId = "nanogen-worker-cancellations-#{T(java.util.UUID).randomUUID()}",
      properties = {"auto.offset.reset=latest"})
  void on(ConsumerRecord<String, String> record, Acknowledgment ack) {
    ack.acknowledge();
    GenerationSettled settled = json.readValue(record.value(), GenerationSettled.class);
    if (settled.status() == GenerationStatus.CANCELLED) {
      cancelled.put(settled.generationId(), clock.instant());
      Instant horizon = clock.instant().minus(MEMORY);
      cancelled.values().removeIf(at -> at.isBefore(horizon));
    }
  }

  boolean isCancelled(UUID generationId) {
    return cancelled.containsKey(generationId);
  }
}

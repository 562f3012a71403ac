package dev.nanogen.worker.lease;

import dev.nanogen.model.Topics;
import dev.nanogen.model.WorkerHeartbeat;
import dev.nanogen.ops.KafkaEvents;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.stereotype.Component;

/**
 * How many workers hold a lease now, read from the heartbeats every worker publishes (this one's
 * too): the divisor that turns a model's global in-flight cap into this worker's share of it. Every
 * worker reads the heartbeat topic in a consumer group of its own from the topic's start (an hour
 * at most), and a worker counts until its last heartbeat's lease ran out, by the heartbeat's own
 * time.
 */
@Component
public class LiveWorkers {
  private final Map<UUID, Instant> leases = new ConcurrentHashMap<>();
  private final KafkaEvents events;
  private final Clock clock;
  private final UUID self;

  LiveWorkers(KafkaEvents events, Clock clock, WorkerLease lease, MeterRegistry meters) {
    this.events = events;
    this.clock = clock;
    this.self = lease.workerId();
    Gauge.builder("nanogen.worker.live", this, LiveWorkers::count)
        .description(
            "workers holding a lease, as this worker reads the heartbeats; its model caps are the global ones divided by this")
        .register(meters);
  }

  /** Workers whose lease has not run out, this one always among them. */
  public int count() {
    Instant now = clock.instant();
    leases.values().removeIf(expiry -> !expiry.isAfter(now));
    return leases.containsKey(self) ? leases.size() : leases.size() + 1;
  }

  @KafkaListener(
      id = "worker-heartbeats",
      topics = Topics.HEARTBEATS,
      groupId = "nanogen-worker-live-#{T(java.util.UUID).randomUUID()}",
      properties = {"auto.offset.reset=earliest", "group.protocol=classic"})
  void on(ConsumerRecord<String, String> record, Acknowledgment ack) {
    ack.acknowledge();
    WorkerHeartbeat beat = events.decode(record, WorkerHeartbeat.class);
    if (beat.workerId() == null || beat.occurredAt() == null) {
      throw new IllegalArgumentException("a heartbeat names its worker and its time");
    }
    Instant expiry = beat.occurredAt().plusSeconds(Math.max(0, beat.leaseSeconds()));
    leases.merge(beat.workerId(), expiry, (a, b) -> a.isAfter(b) ? a : b);
  }
}

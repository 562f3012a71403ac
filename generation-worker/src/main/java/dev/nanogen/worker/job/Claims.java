package dev.nanogen.worker.job;

import dev.nanogen.model.GenerationClaimed;
import dev.nanogen.model.Topics;
import dev.nanogen.ops.KafkaEvents;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.stereotype.Component;

/**
 * The gateway's answers to this worker's claims (GenerationClaimed). Every worker instance reads
 * the claims topic in a consumer group of its own (newest records only) and hands each answer to
 * the generation waiting for it; answers to other workers' claims are dropped.
 *
 * <p>The group has one member, so Kafka 4's consumer group protocol (KIP-848) brings it nothing,
 * while its consumer answered here 0.5 to 1.4 s after a record arrived against the classic
 * consumer's tens of milliseconds (docs/benchmarks.md, "The claim round trip"): this listener uses
 * the classic one.
 */
@Component
class Claims {
  private final Map<UUID, CompletableFuture<Boolean>> waiting = new ConcurrentHashMap<>();
  private final KafkaEvents events;

  Claims(KafkaEvents events) {
    this.events = events;
  }

  /** Registers a claim before it is sent, so its answer cannot arrive unseen. */
  void expect(UUID claimId) {
    waiting.computeIfAbsent(claimId, c -> new CompletableFuture<>());
  }

  /**
   * The answer to a claim: granted or refused; empty when none came within {@code wait} (the caller
   * claims again). Stops waiting on an interrupt (the process is stopping).
   */
  Optional<Boolean> await(UUID claimId, Duration wait) throws InterruptedException {
    CompletableFuture<Boolean> answer =
        waiting.computeIfAbsent(claimId, c -> new CompletableFuture<>());
    try {
      return Optional.of(answer.get(wait.toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Stops waiting for a claim's answer. */
  void forget(UUID claimId) {
    waiting.remove(claimId);
  }

  @KafkaListener(
      id = "worker-claims",
      topics = Topics.CLAIMS,
      groupId = "nanogen-worker-claims-#{T(java.util.UUID).randomUUID()}",
      properties = {"auto.offset.reset=latest", "group.protocol=classic"})
  void on(ConsumerRecord<String, String> record, Acknowledgment ack) {
    ack.acknowledge();
    GenerationClaimed answer = events.decode(record, GenerationClaimed.class);
    CompletableFuture<Boolean> waiter =
        answer.claimId() == null ? null : waiting.get(answer.claimId());
    if (waiter != null) {
      waiter.complete(answer.granted());
    }
  }
}

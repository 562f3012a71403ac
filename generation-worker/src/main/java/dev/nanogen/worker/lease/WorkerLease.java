package dev.nanogen.worker.lease;

import dev.nanogen.model.Topics;
import dev.nanogen.model.WorkerHeartbeat;
import dev.nanogen.ops.KafkaEvents;
import dev.nanogen.worker.config.WorkerProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;
import org.springframework.stereotype.Component;

/**
 * This worker process's lease on the generations it holds. The process has one id for its life;
 * every GenerationStarted names it, and a heartbeat (WorkerHeartbeat) every {@code renew-every}
 * renews the lease for {@code duration}. Heartbeats begin before the request consumers start and
 * end after every job was handed back, so a live worker's lease never lapses while it holds work;
 * when the process dies they stop, and the gateway resumes its videos on another worker once the
 * lease ran out (docs/decisions.md, "Worker leases").
 */
@Component
public class WorkerLease implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(WorkerLease.class);

  private final UUID workerId = UUID.randomUUID();
  private final KafkaTemplate<String, String> kafka;
  private final KafkaEvents events;
  private final Clock clock;
  private final WorkerProperties.Lease settings;
  private final Counter failures;
  private ScheduledExecutorService heartbeats;

  /**
   * Until when (System.nanoTime) this worker can count on its lease: the start of the last
   * heartbeat the broker acknowledged, plus the lease less a margin (a second, or a quarter of a
   * short lease). The gateway's reckoning starts when the broker took that heartbeat, later, so it
   * never ends before this one.
   */
  private final AtomicLong holdsUntil = new AtomicLong(System.nanoTime());

  WorkerLease(
      KafkaTemplate<String, String> kafka,
      KafkaEvents events,
      Clock clock,
      WorkerProperties properties,
      MeterRegistry meters) {
    this.kafka = kafka;
    this.events = events;
    this.clock = clock;
    this.settings = properties.lease();
    this.failures =
        Counter.builder("nanogen.worker.heartbeat.failures")
            .description(
                "heartbeats the broker did not take; the lease runs out after several in a row")
            .register(meters);
  }

  /** The id every GenerationStarted of this process carries. */
  public UUID workerId() {
    return workerId;
  }

  /**
   * Whether the lease surely still holds at the gateway: a generation is submitted only then, so
   * the gateway never hands a claim whose worker could still submit to another worker.
   */
  public boolean holds() {
    return System.nanoTime() - holdsUntil.get() < 0;
  }

  /** Sends one heartbeat; a failed one is counted and logged, the next renews anyway. */
  void renew() {
    long sent = System.nanoTime();
    long margin = Math.min(TimeUnit.SECONDS.toNanos(1), settings.duration().toNanos() / 4);
    long until = sent + settings.duration().toNanos() - margin;
    WorkerHeartbeat beat =
        new WorkerHeartbeat(
            UUID.randomUUID(),
            clock.instant(),
            WorkerHeartbeat.SCHEMA_VERSION,
            workerId,
            (int) settings.duration().toSeconds());
    kafka
        .send(events.encode(Topics.HEARTBEATS, workerId.toString(), beat))
        .whenComplete(
            (result, error) -> {
              if (error == null) {
                holdsUntil.accumulateAndGet(until, (a, b) -> b - a > 0 ? b : a);
              } else {
                failures.increment();
                log.warn(
                    "heartbeat of worker {} not taken by the broker: {}",
                    workerId,
                    error.toString());
              }
            });
  }

  @Override
  public void start() {
    heartbeats =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("worker-lease").factory());
    long every = settings.renewEvery().toMillis();
    heartbeats.scheduleAtFixedRate(this::renewQuietly, 0, every, TimeUnit.MILLISECONDS);
    log.info(
        "worker {} holds its generations on a {} lease, renewed every {}",
        workerId,
        settings.duration(),
        settings.renewEvery());
  }

  private void renewQuietly() {
    try {
      renew();
    } catch (RuntimeException e) {
      failures.increment();
      log.warn("heartbeat of worker {} failed: {}", workerId, e.toString());
    }
  }

  @Override
  public void stop() {
    if (heartbeats != null) {
      heartbeats.shutdownNow();
      heartbeats = null;
    }
  }

  @Override
  public boolean isRunning() {
    return heartbeats != null;
  }

  /**
   * Starts before, and stops after, the request consumers and the jobs (lower phases start first).
   */
  @Override
  public int getPhase() {
    return AbstractMessageListenerContainer.DEFAULT_PHASE - 2;
  }
}

package dev.nanogen.worker.job;

import dev.nanogen.model.GenerationRequested;
import dev.nanogen.ops.trace.Traces;
import dev.nanogen.worker.config.WorkerProperties;
import dev.nanogen.worker.lease.LiveWorkers;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;
import org.springframework.stereotype.Component;

/**
 * The generations this process runs, one virtual thread each, so thousands can wait on the provider
 * at once. A request is admitted only with a free slot — of the process ({@code max-in-flight}, the
 * memory bound) and of its model: the model's cap ({@code model-max-in-flight} or {@code
 * model-limits}, the AIML quota, for all workers together) divided by the {@link LiveWorkers}, at
 * least one; without one it stays in Kafka. A duplicate of a generation running or recently
 * finished here (a redelivery, the sweeper's re-dispatch while this process still polls) is
 * skipped.
 *
 * <p>On SIGTERM (after the Kafka listeners stopped taking requests): what was not sent (waiting for
 * a claim's answer) is handed back at once, videos hand their task back at their next poll, and
 * image calls already sent get {@code shutdown-grace} (longer than the image time-out) to be
 * answered; whatever still runs then is interrupted — an unanswered image fails TIMEOUT, never
 * submitted again — so another worker takes the rest over at once.
 */
@Component
class Jobs implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(Jobs.class);
  static final int REMEMBERED = 50_000;

  enum Outcome {
    STARTED,
    DUPLICATE,
    FULL
  }

  /**
   * @param handedOff completes when the generation's GenerationStarted is in Kafka (or it ended
   *     without one); exceptionally when that could not be published
   */
  record Admission(Outcome outcome, CompletableFuture<Void> handedOff) {
    static final Admission DUPLICATE =
        new Admission(Outcome.DUPLICATE, CompletableFuture.completedFuture(null));
    static final Admission FULL =
        new Admission(Outcome.FULL, CompletableFuture.completedFuture(null));
  }

  private final RunGeneration run;
  private final WorkerProperties.Worker settings;
  private final Semaphore process;

  /** Generations running per model; guarded by itself. */
  private final Map<String, Integer> models = new HashMap<>();

  private final LiveWorkers live;
  private final Map<UUID, Thread> running = new HashMap<>();
  private final Map<UUID, Boolean> finished =
      new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
          return size() > REMEMBERED;
        }
      };
  private final StopSignal stop;
  private final Traces traces;
  private volatile boolean started;

  Jobs(
      RunGeneration run,
      StopSignal stop,
      Traces traces,
      LiveWorkers live,
      WorkerProperties properties,
      MeterRegistry meters) {
    this.run = run;
    this.live = live;
    this.traces = traces;
    this.stop = stop;
    this.settings = properties.worker();
    this.process = new Semaphore(settings.maxInFlight());
    Gauge.builder("nanogen.worker.in.flight", this, Jobs::size)
        .description("generations this worker runs now")
        .register(meters);
  }

  /**
   * Admits a request on the listener's thread, waiting up to {@code admission-wait} for a slot, and
   * starts it on a virtual thread of its own. The caller commits the offset once {@link
   * Admission#handedOff()} completed.
   */
  Admission admit(GenerationRequested request, String traceparent) throws InterruptedException {
    UUID id = request.generationId();
    if (!begin(id)) {
      return Admission.DUPLICATE;
    }
    String model = request.modelId();
    long waitNanos = settings.admissionWait().toNanos();
    long began = System.nanoTime();
    if (!process.tryAcquire(waitNanos, TimeUnit.NANOSECONDS)) {
      end(id, false);
      return Admission.FULL;
    }
    if (!takeModelSlot(model, began + waitNanos)) {
      process.release();
      end(id, false);
      return Admission.FULL;
    }
    CompletableFuture<Void> handedOff = new CompletableFuture<>();
    Map<String, String> mdc = MDC.getCopyOfContextMap();
    Thread thread =
        Thread.ofVirtual()
            .name("generation-" + id)
            .unstarted(
                () -> {
                  boolean ended = false;
                  if (mdc != null) {
                    MDC.setContextMap(mdc);
                  }
                  // The generation's span, continued from the request's traceparent: the AIML
                  // calls,
                  // the outcomes and every log line of this job are on the generation's trace.
                  Span span = traces.continued(traceparent, "generation " + request.kind().wire());
                  try (Tracer.SpanInScope scope = traces.inScope(span)) {
                    try {
                      ended = run.run(request, () -> handedOff.complete(null));
                    } catch (Throwable e) {
                      handedOff.completeExceptionally(e);
                      span.error(e);
                      log.error("generation {} stopped by an unexpected error", id, e);
                    }
                  } finally {
                    span.end();
                    releaseModelSlot(model);
                    process.release();
                    end(id, ended);
                    handedOff.complete(null);
                  }
                });
    attach(id, thread);
    thread.start();
    return new Admission(Outcome.STARTED, handedOff);
  }

  /**
   * This worker's share of a model's global cap: the cap divided by the live workers, at least 1.
   */
  int shareOf(String model) {
    return Math.max(1, settings.capOf(model) / live.count());
  }

  private boolean takeModelSlot(String model, long deadlineNanos) throws InterruptedException {
    synchronized (models) {
      while (true) {
        int running = models.getOrDefault(model, 0);
        if (running < shareOf(model)) {
          models.put(model, running + 1);
          return true;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        // Woken by a slot freed here; the share itself changes with the live workers, so look again
        // soon.
        TimeUnit.NANOSECONDS.timedWait(models, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
      }
    }
  }

  private void releaseModelSlot(String model) {
    synchronized (models) {
      models.merge(model, -1, Integer::sum);
      models.notifyAll();
    }
  }

  synchronized int size() {
    return running.size();
  }

  private synchronized boolean begin(UUID id) {
    if (running.containsKey(id) || finished.containsKey(id)) {
      return false;
    }
    running.put(id, Thread.currentThread());
    return true;
  }

  private synchronized void attach(UUID id, Thread thread) {
    running.put(id, thread);
  }

  private synchronized void end(UUID id, boolean ended) {
    running.remove(id);
    if (ended) {
      finished.put(id, Boolean.TRUE);
    }
    notifyAll();
  }

  @Override
  public void start() {
    stop.lower();
    started = true;
  }

  @Override
  public boolean isRunning() {
    return started;
  }

  /** Stops after the Kafka listener containers (a lower phase stops later). */
  @Override
  public int getPhase() {
    return AbstractMessageListenerContainer.DEFAULT_PHASE - 1;
  }

  @Override
  public void stop() {
    started = false;
    stop.raise();
    log.info("stopping: {} generations in flight, grace {}", size(), settings.shutdownGrace());
    long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
    if (!awaitEmpty(deadline)) {
      List<Thread> left;
      synchronized (this) {
        left = new ArrayList<>(running.values());
      }
      log.warn("grace over: interrupting {} generations, which hand themselves back", left.size());
      left.forEach(Thread::interrupt);
      awaitEmpty(System.nanoTime() + Duration.ofSeconds(5).toNanos());
    }
    log.info("stopped with {} generations in flight", size());
  }

  private synchronized boolean awaitEmpty(long deadlineNanos) {
    while (!running.isEmpty()) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }
}

package dev.nanogen.worker.job;

import dev.nanogen.model.GenerationFailed;
import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.GenerationStarted;
import dev.nanogen.model.GenerationSucceeded;
import dev.nanogen.model.ModelKind;
import dev.nanogen.worker.aiml.AimlClient;
import dev.nanogen.worker.aiml.ProviderError;
import dev.nanogen.worker.aiml.VideoStatus;
import dev.nanogen.worker.config.WorkerProperties;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs one requested generation to an outcome: announces GenerationStarted (with the provider task
 * id of a video as soon as there is one, so a worker that takes over resumes polling instead of
 * submitting again), calls the provider under the retry policy, and publishes GenerationSucceeded or
 * GenerationFailed.
 */
@Component
class RunGeneration {
  private static final Logger log = LoggerFactory.getLogger(RunGeneration.class);

  private final AimlClient aiml;
  private final Cancellations cancellations;
  private final RecentGenerations recent;
  private final RetryPolicy retry;
  private final OutcomePublisher outcomes;
  private final Clock clock;
  private final Duration pollInterval;

  RunGeneration(
      AimlClient aiml,
      Cancellations cancellations,
      RecentGenerations recent,
      RetryPolicy retry,
      OutcomePublisher outcomes,
      Clock clock,
      WorkerProperties properties) {
    this.aiml = aiml;
    this.cancellations = cancellations;
    this.recent = recent;
    this.retry = retry;
    this.outcomes = outcomes;
    this.clock = clock;
    this.pollInterval = properties.aiml().pollInterval();
  }

  /**
   * @param onStarted called once GenerationStarted is in Kafka (the caller commits the request's
   *     offset then)
   */
  void run(GenerationRequested request, String correlationId, Runnable onStarted) {
    UUID id = request.generationId();
    if (cancellations.isCancelled(id)) {
      log.info("generation {} was cancelled before it started; skipped", id);
      return;
    }
    if (!recent.begin(id)) {
      log.info("generation {} is running or ran here already; duplicate request skipped", id);
      return;
    }
    boolean published = false;
    try {
      runOnce(request, correlationId, onStarted);
      published = true;
    } finally {
      recent.end(id, published);
    }
  }

  private void runOnce(GenerationRequested request, String correlationId, Runnable onStarted) {
    UUID id = request.generationId();
    Instant began = clock.instant();
    try {
      List<String> urls =
          request.kind() == ModelKind.IMAGE
              ? image(request, correlationId, onStarted)
              : video(request, correlationId, onStarted);
      long millis = Duration.between(began, clock.instant()).toMillis();
      outcomes.publish(id, new GenerationSucceeded(UUID.randomUUID(), clock.instant(), GenerationSucceeded.SCHEMA_VERSION, id, urls, millis), correlationId);
      log.info("generation {} completed in {} ms", id, millis);
    } catch (Cancelled e) {
      log.info("generation {} was cancelled; stopped polling", id);
    } catch (ProviderError e) {
      String code = e.retryable() ? "TIMEOUT" : e.code();
      outcomes.publish(id, new GenerationFailed(UUID.randomUUID(), clock.instant(), GenerationFailed.SCHEMA_VERSION, id, code, e.getMessage()), correlationId);
      log.info("generation {} failed: {} ({})", id, code, e.getMessage());
    }
  }

  private List<String> image(GenerationRequested request, String correlationId, Runnable onStarted) {
    started(request, null, correlationId, onStarted);
    return retry.call(
        "image", request.deadline(),
        () -> aiml.generateImage(request.providerModel(), request.prompt(), request.params()));
  }

  private List<String> video(GenerationRequested request, String correlationId, Runnable onStarted) {
    String taskId = request.providerTaskId();
    if (taskId == null) {
      // Started (and the commit of the request) before the submission: a crash after this point never
      // leads to a second submission; without a task id to resume, the deadline ends the generation.
      started(request, null, correlationId, onStarted);
      taskId =
          retry.call(
              "video-submit", request.deadline(),
              () -> aiml.submitVideo(request.providerModel(), request.prompt(), request.params()));
      started(request, taskId, correlationId, () -> {});
    } else {
      log.info("generation {} resumes provider task {}", request.generationId(), taskId);
      started(request, taskId, correlationId, onStarted);
    }
    String task = taskId;
    while (clock.instant().isBefore(request.deadline())) {
      if (cancellations.isCancelled(request.generationId())) {
        throw new Cancelled();
      }
      VideoStatus status = retry.call("video-poll", request.deadline(), () -> aiml.pollVideo(task));
      if ("completed".equals(status.state())) {
        if (status.url() == null) {
          throw new ProviderError("PROVIDER_BAD_RESPONSE", false, "completed video has no url");
        }
        return List.of(status.url());
      }
      if ("error".equals(status.state())) {
        throw new ProviderError("PROVIDER_GENERATION_FAILED", false, String.valueOf(status.error()));
      }
      sleep(jittered(pollInterval));
    }
    throw new ProviderError("TIMEOUT", false, "deadline passed while the video was generating");
  }

  private void started(GenerationRequested request, String taskId, String correlationId, Runnable onStarted) {
    outcomes.publish(
        request.generationId(),
        new GenerationStarted(UUID.randomUUID(), clock.instant(), GenerationStarted.SCHEMA_VERSION, request.generationId(), taskId),
        correlationId);
    onStarted.run();
  }

  private static Duration jittered(Duration interval) {
    double factor = 0.8 + ThreadLocalRandom.current().nextDouble() * 0.4;
    return Duration.ofMillis((long) (interval.toMillis() * factor));
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while polling", e);
    }
  }

  /** The user cancelled: no outcome is published (the gateway already settled the generation). */
  private static final class Cancelled extends RuntimeException {
    Cancelled() {
      super(null, null, false, false);
    }
  }
}

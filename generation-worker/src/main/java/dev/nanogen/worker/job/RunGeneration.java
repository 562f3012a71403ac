package dev.nanogen.worker.job;

import dev.nanogen.model.FailureCode;
import dev.nanogen.model.GenerationFailed;
import dev.nanogen.model.GenerationHandedBack;
import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.GenerationSucceeded;
import dev.nanogen.model.ModelKind;
import dev.nanogen.worker.aiml.AimlClient;
import dev.nanogen.worker.aiml.ProviderError;
import dev.nanogen.worker.aiml.VideoStatus;
import dev.nanogen.worker.routing.ProviderCalls;
import dev.nanogen.worker.routing.Routed;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs one requested generation to an outcome, in steps: claim it ({@link ClaimGeneration}), submit
 * it on the routes ({@link ProviderCalls}) — an image at once, a video as a task then polled
 * ({@link PollVideo}) — keep the results ({@link KeepResults}) and publish the outcome:
 * GenerationSucceeded or GenerationFailed, or GenerationHandedBack when the process stops first or
 * nothing could be sent. A video that arrives with a provider task id is resumed, never submitted
 * again.
 */
@Component
class RunGeneration {
  private static final Logger log = LoggerFactory.getLogger(RunGeneration.class);

  private final ClaimGeneration claim;
  private final ProviderCalls provider;
  private final PollVideo poll;
  private final KeepResults keep;
  private final OutcomePublisher outcomes;
  private final StopSignal stop;
  private final Clock clock;
  private final MeterRegistry meters;

  RunGeneration(
      ClaimGeneration claim,
      ProviderCalls provider,
      PollVideo poll,
      KeepResults keep,
      OutcomePublisher outcomes,
      StopSignal stop,
      Clock clock,
      MeterRegistry meters) {
    this.claim = claim;
    this.provider = provider;
    this.poll = poll;
    this.keep = keep;
    this.outcomes = outcomes;
    this.stop = stop;
    this.clock = clock;
    this.meters = meters;
  }

  /**
   * @param onStarted called once GenerationStarted is in Kafka (the caller commits the request's
   *     offset then)
   * @return true when the generation reached its end here (an outcome, or its cancellation), false
   *     when it was handed back
   */
  boolean run(GenerationRequested request, Runnable onStarted) {
    Instant began = clock.instant();
    Progress progress = new Progress(request.providerTaskId(), request.route());
    String outcome;
    try {
      List<String> urls =
          request.kind() == ModelKind.IMAGE
              ? image(request, progress, onStarted)
              : video(request, progress, onStarted);
      succeeded(request, progress, urls, began);
      outcome = "succeeded";
    } catch (Halt.NotClaimed e) {
      log.info(
          "generation {} was not claimed (cancelled, ended, or another worker's); never submitted",
          request.generationId());
      outcome = "not_claimed";
    } catch (RuntimeException e) {
      if ((stop.raised() || e instanceof Halt.Unsent) && !progress.sentWithoutTask()) {
        handBack(request, progress, e instanceof Halt ? e.getMessage() : "worker stopping");
        count(request, "handed_back", began);
        return false;
      }
      failed(request, failure(e));
      outcome = "failed";
    }
    count(request, outcome, began);
    return true;
  }

  private List<String> image(GenerationRequested request, Progress progress, Runnable onStarted) {
    progress.claimId = claim.claim(request, onStarted);
    claim.announceSubmission(request, progress);
    Routed<AimlClient.Images> answer = provider.generateImage(request);
    progress.route = answer.route();
    progress.cost = answer.value().cost();
    return keep.images(request, answer.value().outputs());
  }

  private List<String> video(GenerationRequested request, Progress progress, Runnable onStarted) {
    if (progress.taskId == null) {
      // Claimed (and the request committed) before the submission: a crash after this point never
      // leads to a second submission; without a task id to resume, the deadline ends it.
      progress.claimId = claim.claim(request, onStarted);
      claim.announceSubmission(request, progress);
      Routed<String> submitted = provider.submitVideo(request);
      progress.taskId = submitted.value();
      progress.route = submitted.route();
      claim.runs(request, progress.taskId, progress.route, () -> {});
    } else {
      progress.route = provider.acceptedBy(progress.route, request.modelId());
      log.info(
          "generation {} resumes provider task {} on route {}",
          request.generationId(),
          progress.taskId,
          progress.route);
      claim.runs(request, progress.taskId, progress.route, onStarted);
    }
    VideoStatus done = poll.untilDone(request, progress);
    progress.cost = done.cost();
    return List.of(keep.video(request, done.url()));
  }

  /**
   * The provider error that ends the run: a retryable one that outlived the deadline is a TIMEOUT,
   * as is a call left unanswered when the stop's grace ran out.
   */
  private ProviderError failure(RuntimeException e) {
    if (stop.raised() && !(e instanceof ProviderError)) {
      return new ProviderError(
          FailureCode.TIMEOUT, false, "the worker stopped with the provider call unanswered");
    }
    if (!(e instanceof ProviderError error)) {
      throw e;
    }
    return error.retryable()
        ? new ProviderError(FailureCode.TIMEOUT, false, error.getMessage())
        : error;
  }

  private void succeeded(
      GenerationRequested request, Progress progress, List<String> urls, Instant began) {
    UUID id = request.generationId();
    long millis = Duration.between(began, clock.instant()).toMillis();
    Routed<BigDecimal> charged =
        provider.charged(progress.route, request, progress.cost, urls.size());
    String route = charged.route();
    BigDecimal cost = charged.value();
    outcomes.publish(
        id,
        new GenerationSucceeded(
            UUID.randomUUID(),
            clock.instant(),
            GenerationSucceeded.SCHEMA_VERSION,
            id,
            urls,
            millis,
            route,
            cost));
    log.info("generation {} completed on route {} in {} ms", id, route, millis);
  }

  private void failed(GenerationRequested request, ProviderError error) {
    UUID id = request.generationId();
    outcomes.publish(
        id, GenerationFailed.of(id, error.code(), error.getMessage(), clock.instant()));
    log.info("generation {} failed: {} ({})", id, error.code(), error.getMessage());
  }

  private void handBack(GenerationRequested request, Progress progress, String reason) {
    // The grace ended with an interrupt: cleared so the hand-back can be sent.
    Thread.interrupted();
    UUID id = request.generationId();
    String taskId = progress.taskId;
    outcomes.publish(
        id,
        new GenerationHandedBack(
            UUID.randomUUID(),
            clock.instant(),
            GenerationHandedBack.SCHEMA_VERSION,
            id,
            taskId,
            reason,
            taskId == null ? null : progress.route,
            progress.claimId));
    log.info("generation {} handed back (provider task {})", id, taskId);
  }

  private void count(GenerationRequested request, String outcome, Instant began) {
    Timer.builder("nanogen.worker.generations")
        .description("generations run by this worker, from admission to outcome")
        .tag("model", request.modelId())
        .tag("outcome", outcome)
        .register(meters)
        .record(Duration.between(began, clock.instant()));
  }
}

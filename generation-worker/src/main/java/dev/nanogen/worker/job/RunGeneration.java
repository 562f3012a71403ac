package dev.nanogen.worker.job;

import dev.nanogen.model.GenerationFailed;
import dev.nanogen.model.GenerationHandedBack;
import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.GenerationStarted;
import dev.nanogen.model.GenerationSubmitting;
import dev.nanogen.model.GenerationSucceeded;
import dev.nanogen.model.ModelKind;
import dev.nanogen.worker.aiml.AimlClient;
import dev.nanogen.worker.aiml.ImageOutput;
import dev.nanogen.worker.aiml.ProviderError;
import dev.nanogen.worker.aiml.VideoStatus;
import dev.nanogen.worker.config.WorkerProperties;
import dev.nanogen.worker.files.ResultFiles;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs one requested generation to an outcome: claims it (GenerationStarted) and submits only once
 * the gateway granted the claim, announces the provider task id of a video as soon as there is one
 * (so a worker that takes over resumes polling instead of submitting again), calls the provider
 * through the model's circuit under the retry policy, and publishes GenerationSucceeded or
 * GenerationFailed — or, when the process stops first, GenerationHandedBack.
 */
@Component
class RunGeneration {
  private static final Logger log = LoggerFactory.getLogger(RunGeneration.class);

  private final Routes routes;
  private final Claims claims;
  private final ResultUrls resultUrls;
  private final ModelBreakers breakers;
  private final RetryPolicy retry;
  private final OutcomePublisher outcomes;
  private final ResultFiles files;
  private final StopSignal stop;
  private final WorkerLease lease;
  private final Clock clock;
  private final Duration pollInterval;
  private final Duration claimWait;
  private static final Duration MAX_CLAIM_WAIT = Duration.ofSeconds(30);

  /** How long a submission's announcement may wait for the broker. */
  static final Duration ANNOUNCE_WAIT = Duration.ofSeconds(5);

  private final MeterRegistry meters;

  RunGeneration(
      Routes routes,
      Claims claims,
      ResultUrls resultUrls,
      ModelBreakers breakers,
      RetryPolicy retry,
      OutcomePublisher outcomes,
      ResultFiles files,
      StopSignal stop,
      WorkerLease lease,
      Clock clock,
      WorkerProperties properties,
      MeterRegistry meters) {
    this.routes = routes;
    this.claims = claims;
    this.resultUrls = resultUrls;
    this.claimWait = properties.worker().claimWait();
    this.breakers = breakers;
    this.retry = retry;
    this.outcomes = outcomes;
    this.files = files;
    this.stop = stop;
    this.lease = lease;
    this.clock = clock;
    this.pollInterval = properties.aiml().pollInterval();
    this.meters = meters;
  }

  /**
   * @param onStarted called once GenerationStarted is in Kafka (the caller commits the request's
   *     offset then)
   * @return true when the generation reached its end here (an outcome, or its cancellation), false
   *     when it was handed back
   */
  boolean run(GenerationRequested request, Runnable onStarted) {
    UUID id = request.generationId();
    Instant began = clock.instant();
    Progress progress = new Progress(request.providerTaskId(), request.route());
    String outcome;
    try {
      List<String> urls =
          request.kind() == ModelKind.IMAGE
              ? image(request, progress, onStarted)
              : video(request, progress, onStarted);
      long millis = Duration.between(began, clock.instant()).toMillis();
      Routes.Route route = routes.named(progress.route, request.modelId());
      BigDecimal cost =
          progress.cost != null
              ? progress.cost
              : route.costPerResult().multiply(BigDecimal.valueOf(urls.size()));
      Counter.builder("nanogen.provider.cost")
          .description("what the provider routes charged for completed generations")
          .tag("route", route.name())
          .tag("model", request.modelId())
          .register(meters)
          .increment(cost.doubleValue());
      outcomes.publish(
          id,
          new GenerationSucceeded(
              UUID.randomUUID(),
              clock.instant(),
              GenerationSucceeded.SCHEMA_VERSION,
              id,
              urls,
              millis,
              route.name(),
              cost));
      log.info("generation {} completed on route {} in {} ms", id, route.name(), millis);
      outcome = "succeeded";
    } catch (NotClaimed e) {
      log.info(
          "generation {} was not claimed (cancelled, ended, or another worker's); never submitted",
          id);
      outcome = "not_claimed";
    } catch (RuntimeException e) {
      if ((stop.raised() || e instanceof Unsent) && !(progress.sent && progress.taskId == null)) {
        handBack(request, progress, e instanceof Unsent ? e.getMessage() : "worker stopping");
        count(request, "handed_back", began);
        return false;
      }
      if (stop.raised() && !(e instanceof ProviderError)) {
        // Sent and not answered when the grace ran out: never handed to another submission.
        e =
            new ProviderError(
                "TIMEOUT", false, "the worker stopped with the provider call unanswered");
      }
      if (!(e instanceof ProviderError error)) {
        throw e;
      }
      String code = error.retryable() ? "TIMEOUT" : error.code();
      outcomes.publish(
          id,
          new GenerationFailed(
              UUID.randomUUID(),
              clock.instant(),
              GenerationFailed.SCHEMA_VERSION,
              id,
              code,
              error.getMessage()));
      log.info("generation {} failed: {} ({})", id, code, error.getMessage());
      outcome = "failed";
    }
    count(request, outcome, began);
    return true;
  }

  private List<String> image(GenerationRequested request, Progress progress, Runnable onStarted) {
    progress.claimId = claim(request, onStarted);
    stopIfAsked();
    announceSubmission(request, progress);
    Routed<AimlClient.Images> answer =
        submit(
            "image",
            request,
            route ->
                route
                    .client()
                    .generateImage(
                        route.providerModel(request.modelId(), request.providerModel()),
                        request.prompt(),
                        request.params()));
    progress.route = answer.route().name();
    progress.cost = answer.value().cost();
    List<ImageOutput> images = answer.value().outputs();
    int paid = request.paidOutputs();
    if (images.size() > paid) {
      meters
          .counter("nanogen.worker.surplus.outputs", "model", request.modelId())
          .increment(images.size() - paid);
      log.warn(
          "generation {}: the provider answered {} images, {} paid for; the rest are dropped",
          request.generationId(),
          images.size(),
          paid);
      images = images.subList(0, paid);
    }
    for (ImageOutput image : images) {
      if (image instanceof ImageOutput.Link link) {
        resultUrls.check(link.url());
      }
    }
    List<String> urls = new ArrayList<>();
    for (ImageOutput image : images) {
      urls.add(
          switch (image) {
            case ImageOutput.Link link ->
                files.keep(request.generationId(), link.url(), request.deadline());
            case ImageOutput.Inline inline -> files.keep(request.generationId(), inline.bytes());
          });
    }
    return urls;
  }

  private List<String> video(GenerationRequested request, Progress progress, Runnable onStarted) {
    if (progress.taskId == null) {
      // Claimed (and the request committed) before the submission: a crash after this point never
      // leads to a second submission; without a task id to resume, the deadline ends the
      // generation.
      progress.claimId = claim(request, onStarted);
      stopIfAsked();
      announceSubmission(request, progress);
      Routed<String> submitted =
          submit(
              "video-submit",
              request,
              route ->
                  route
                      .client()
                      .submitVideo(
                          route.providerModel(request.modelId(), request.providerModel()),
                          request.prompt(),
                          request.params()));
      progress.taskId = submitted.value();
      progress.route = submitted.route().name();
      started(request, progress.taskId, progress.route, null, () -> {});
    } else {
      progress.route = routes.named(progress.route, request.modelId()).name();
      log.info(
          "generation {} resumes provider task {} on route {}",
          request.generationId(),
          progress.taskId,
          progress.route);
      started(request, progress.taskId, progress.route, null, onStarted);
    }
    String task = progress.taskId;
    // Accepted by this route: polled there until the deadline, never submitted anywhere else.
    Routes.Route route = routes.named(progress.route, request.modelId());
    while (clock.instant().isBefore(request.deadline())) {
      stopIfAsked();
      VideoStatus status =
          retry.call(
              "video-poll",
              request.deadline(),
              () -> onRoute(route, "video-poll", request, () -> route.client().pollVideo(task)));
      if ("completed".equals(status.state())) {
        if (status.url() == null) {
          throw ProviderError.badResponse("completed video has no url");
        }
        resultUrls.check(status.url());
        progress.cost = status.cost();
        return List.of(files.keep(request.generationId(), status.url(), request.deadline()));
      }
      if ("error".equals(status.state())) {
        throw ProviderError.generationFailed(String.valueOf(status.error()));
      }
      pause(jittered(pollInterval));
    }
    throw new ProviderError("TIMEOUT", false, "deadline passed while the video was generating");
  }

  /** A provider's answer and the route that gave it. */
  private record Routed<T>(Routes.Route route, T value) {}

  /**
   * A submission (an image call, a video submission): the routes serving the model in their order
   * ({@link Routes#order}), each through its own circuit; one that certainly did not take it (429,
   * 5xx, no connection, an open circuit) passes it to the next at once, so no job is submitted
   * twice. When every route refused, the round is tried again with back-off within the deadline.
   */
  private <T> Routed<T> submit(
      String name, GenerationRequested request, java.util.function.Function<Routes.Route, T> call) {
    return retry.call(
        name,
        request.deadline(),
        () -> {
          List<Routes.Route> order = routes.order(request.modelId());
          if (order.isEmpty()) {
            throw new ProviderError(
                "MODEL_UNAVAILABLE", false, "no provider route serves model " + request.modelId());
          }
          ProviderError last = null;
          for (Routes.Route route : order) {
            try {
              return new Routed<>(route, onRoute(route, name, request, () -> call.apply(route)));
            } catch (ProviderError e) {
              if (!e.unsent() && e.retryable()) {
                // Sent, and no answer: the provider may be working on it. Neither this route nor
                // another is asked again, so it is never taken twice; the generation fails.
                throw new ProviderError(
                    "TIMEOUT",
                    false,
                    "route " + route.name() + " did not answer; not sent again: " + e.getMessage());
              }
              if (!e.unsent()) {
                throw e;
              }
              if ("PROVIDER_RATE_LIMITED".equals(e.code())) {
                routes.rest(route, request.modelId());
              }
              last = e;
              log.info(
                  "generation {}: route {} did not take it ({}); next route",
                  request.generationId(),
                  route.name(),
                  e.getMessage());
            }
          }
          throw last;
        });
  }

  /**
   * One call to one route, through its circuit for the model; timed as {@code
   * nanogen.provider.calls{route,model,call,outcome}}, every failure counted as {@code
   * nanogen.provider.errors{route,model,code}}.
   */
  private <T> T onRoute(
      Routes.Route route, String name, GenerationRequested request, Supplier<T> call) {
    long began = System.nanoTime();
    String outcome = "ok";
    try {
      return breakers.call(route.name(), request.modelId(), call);
    } catch (ProviderError e) {
      outcome = e.code();
      meters
          .counter(
              "nanogen.provider.errors",
              "route",
              route.name(),
              "model",
              request.modelId(),
              "code",
              e.code())
          .increment();
      throw e;
    } finally {
      Timer.builder("nanogen.provider.calls")
          .description("calls to the provider routes")
          .tag("route", route.name())
          .tag("model", request.modelId())
          .tag("call", name)
          .tag("outcome", outcome)
          .register(meters)
          .record(System.nanoTime() - began, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Tells the gateway, before the first provider call, that this granted claim is being submitted
   * (GenerationSubmitting, acknowledged by the broker) — only while this worker's lease surely
   * holds, so the gateway, which dispatches an unsent claim again once that lease ran out, has read
   * the announcement before any other worker's claim. Without a lease, or without the broker's
   * acknowledgement, nothing was sent: the generation is handed back.
   */
  private void announceSubmission(GenerationRequested request, Progress progress) {
    UUID id = request.generationId();
    GenerationSubmitting submitting =
        new GenerationSubmitting(
            UUID.randomUUID(),
            clock.instant(),
            GenerationSubmitting.SCHEMA_VERSION,
            id,
            progress.claimId,
            lease.workerId());
    if (!lease.holds() || !outcomes.publishOnce(id, submitting, ANNOUNCE_WAIT)) {
      throw new Unsent("no lease or no acknowledgement before the submission");
    }
    progress.sent = true;
    if (!lease.holds()) {
      throw new ProviderError(
          "TIMEOUT",
          false,
          "the worker's lease ran out while it announced the submission; not sent");
    }
  }

  /**
   * Claims the generation and waits for the gateway's answer: only a granted claim is submitted.
   * The claim is repeated (same claim id) when no answer came within {@code claim-wait}, doubling
   * the wait each time, until the deadline.
   *
   * @throws NotClaimed when the gateway refused (cancelled, ended, or another attempt's) or the
   *     deadline passed unanswered
   */
  private UUID claim(GenerationRequested request, Runnable onStarted) {
    UUID claimId = UUID.randomUUID();
    claims.expect(claimId);
    long asked = System.nanoTime();
    try {
      started(request, null, null, claimId, onStarted);
      // Doubled after each unanswered claim (at most 30 s): a slow gateway is not sent ever more
      // claims.
      Duration wait = claimWait;
      while (true) {
        Optional<Boolean> answer = claims.await(claimId, wait);
        if (answer.isPresent()) {
          Timer.builder("nanogen.worker.claim.wait")
              .description("from a claim to the gateway's answer")
              .tag("granted", answer.get().toString())
              .publishPercentileHistogram()
              .register(meters)
              .record(System.nanoTime() - asked, java.util.concurrent.TimeUnit.NANOSECONDS);
          if (!answer.get()) {
            throw new NotClaimed();
          }
          return claimId;
        }
        stopIfAsked();
        if (!clock.instant().isBefore(request.deadline())) {
          throw new NotClaimed();
        }
        log.info(
            "generation {}: no answer to claim {} within {}; claiming again",
            request.generationId(),
            claimId,
            wait);
        wait =
            wait.multipliedBy(2).compareTo(MAX_CLAIM_WAIT) > 0
                ? MAX_CLAIM_WAIT
                : wait.multipliedBy(2);
        started(request, null, null, claimId, () -> {});
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Stopping();
    } finally {
      claims.forget(claimId);
    }
  }

  private void started(
      GenerationRequested request, String taskId, String route, UUID claimId, Runnable onStarted) {
    outcomes.publish(
        request.generationId(),
        new GenerationStarted(
            UUID.randomUUID(),
            clock.instant(),
            GenerationStarted.SCHEMA_VERSION,
            request.generationId(),
            taskId,
            claimId,
            lease.workerId(),
            route));
    onStarted.run();
  }

  private void handBack(GenerationRequested request, Progress progress, String reason) {
    String taskId = progress.taskId;
    Thread
        .interrupted(); // the grace ended with an interrupt: clear it so the hand-back can be sent
    UUID id = request.generationId();
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

  private void stopIfAsked() {
    if (stop.raised()) {
      throw new Stopping();
    }
  }

  private void pause(Duration duration) {
    try {
      if (stop.pause(duration)) {
        throw new Stopping();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Stopping();
    }
  }

  private void count(GenerationRequested request, String outcome, Instant began) {
    Timer.builder("nanogen.worker.generations")
        .description("generations run by this worker, from admission to outcome")
        .tag("model", request.modelId())
        .tag("outcome", outcome)
        .register(meters)
        .record(Duration.between(began, clock.instant()));
  }

  private static Duration jittered(Duration interval) {
    double factor = 0.8 + ThreadLocalRandom.current().nextDouble() * 0.4;
    return Duration.ofMillis((long) (interval.toMillis() * factor));
  }

  /**
   * What a generation got from the provider so far: its task, once submitted, the route that took
   * it, and what the provider said it cost.
   */
  private static final class Progress {
    String taskId;
    String route;
    BigDecimal cost;
    UUID claimId;

    /** The submission was announced: from here on it may be at the provider. */
    boolean sent;

    Progress(String taskId, String route) {
      this.taskId = taskId;
      this.route = route;
    }
  }

  /**
   * The gateway refused the claim: the generation was cancelled or has ended (it already settled
   * it), or another attempt holds the claim. Nothing was submitted and no outcome is published.
   */
  private static final class NotClaimed extends RuntimeException {
    NotClaimed() {
      super(null, null, false, false);
    }
  }

  /** Nothing was sent and this worker cannot send it now: the generation is handed back. */
  private static final class Unsent extends RuntimeException {
    Unsent(String reason) {
      super(reason, null, false, false);
    }
  }

  /** The process is stopping: the generation is handed back. */
  private static final class Stopping extends RuntimeException {
    Stopping() {
      super(null, null, false, false);
    }
  }
}

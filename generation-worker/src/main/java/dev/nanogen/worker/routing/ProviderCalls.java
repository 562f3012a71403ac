package dev.nanogen.worker.routing;

import dev.nanogen.model.FailureCode;
import dev.nanogen.model.GenerationRequested;
import dev.nanogen.worker.aiml.AimlClient;
import dev.nanogen.worker.aiml.ProviderError;
import dev.nanogen.worker.aiml.VideoStatus;
import java.math.BigDecimal;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The calls a generation makes to the provider, on its routes. A submission (an image call, a video
 * submission) tries the routes serving the model in their order ({@link Routes#order}), each
 * through its own circuit; one that certainly did not take it (429, 5xx, no connection, an open
 * circuit) passes it to the next at once, so no job is submitted twice, and when every route
 * refused, the round is tried again with back-off within the deadline. A poll asks the route that
 * accepted the task, under the same retry policy. Every call is measured by {@link
 * ProviderMetrics}.
 */
@Component
public class ProviderCalls {
  private static final Logger log = LoggerFactory.getLogger(ProviderCalls.class);

  private final Routes routes;
  private final ModelBreakers breakers;
  private final RetryPolicy retry;
  private final ProviderMetrics metrics;

  ProviderCalls(Routes routes, ModelBreakers breakers, RetryPolicy retry, ProviderMetrics metrics) {
    this.routes = routes;
    this.breakers = breakers;
    this.retry = retry;
    this.metrics = metrics;
  }

  /** Generates the request's images on the first route that takes it. */
  public Routed<AimlClient.Images> generateImage(GenerationRequested request) {
    return submit(
        "image",
        request,
        route ->
            route
                .client()
                .generateImage(
                    route.providerModel(request.modelId(), request.providerModel()),
                    request.prompt(),
                    request.params()));
  }

  /** Submits the request's video on the first route that takes it; the value is the task id. */
  public Routed<String> submitVideo(GenerationRequested request) {
    return submit(
        "video-submit",
        request,
        route ->
            route
                .client()
                .submitVideo(
                    route.providerModel(request.modelId(), request.providerModel()),
                    request.prompt(),
                    request.params()));
  }

  /** Asks {@code route} (the one that accepted {@code taskId}) how the video is doing. */
  public VideoStatus pollVideo(String route, GenerationRequested request, String taskId) {
    Routes.Route on = routes.named(route, request.modelId());
    return retry.call(
        "video-poll",
        request.deadline(),
        () -> onRoute(on, "video-poll", request, () -> on.client().pollVideo(taskId)));
  }

  /**
   * The route a task was accepted by, as this worker knows it: {@code route} itself, or the first
   * route serving the model when that one is unknown here or gone.
   */
  public String acceptedBy(String route, String modelId) {
    return routes.named(route, modelId).name();
  }

  /**
   * What a completed generation cost, and on which route: {@code route} as {@link #acceptedBy}
   * resolves it; the cost what the provider reported, else the route's price per result times
   * {@code results}; counted in {@code nanogen.provider.cost}.
   */
  public Routed<BigDecimal> charged(
      String route, GenerationRequested request, BigDecimal reported, int results) {
    Routes.Route on = routes.named(route, request.modelId());
    BigDecimal cost =
        reported != null ? reported : on.costPerResult().multiply(BigDecimal.valueOf(results));
    metrics.charged(on.name(), request.modelId(), cost);
    return new Routed<>(on.name(), cost);
  }

  private <T> Routed<T> submit(
      String name, GenerationRequested request, Function<Routes.Route, T> call) {
    return retry.call(
        name,
        request.deadline(),
        () -> {
          List<Routes.Route> order = routes.order(request.modelId());
          if (order.isEmpty()) {
            throw new ProviderError(
                FailureCode.MODEL_UNAVAILABLE,
                false,
                "no provider route serves model " + request.modelId());
          }
          ProviderError last = null;
          for (Routes.Route route : order) {
            try {
              return new Routed<>(
                  route.name(), onRoute(route, name, request, () -> call.apply(route)));
            } catch (ProviderError e) {
              if (!e.unsent() && e.retryable()) {
                // Sent, and no answer: the provider may be working on it. Neither this route nor
                // another is asked again, so it is never taken twice; the generation fails.
                throw new ProviderError(
                    FailureCode.TIMEOUT,
                    false,
                    "route " + route.name() + " did not answer; not sent again: " + e.getMessage());
              }
              if (!e.unsent()) {
                throw e;
              }
              if (e.code() == FailureCode.PROVIDER_RATE_LIMITED) {
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

  /** One call to one route, through its circuit for the model, measured. */
  private <T> T onRoute(
      Routes.Route route, String name, GenerationRequested request, Supplier<T> call) {
    long began = System.nanoTime();
    String outcome = "ok";
    try {
      return breakers.call(route.name(), request.modelId(), call);
    } catch (ProviderError e) {
      outcome = e.code().name();
      metrics.failed(route.name(), request.modelId(), e.code());
      throw e;
    } finally {
      metrics.called(route.name(), request.modelId(), name, outcome, System.nanoTime() - began);
    }
  }
}

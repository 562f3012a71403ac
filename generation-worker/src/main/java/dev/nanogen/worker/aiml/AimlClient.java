package dev.nanogen.worker.aiml;

import dev.nanogen.ops.trace.ProviderCalls;
import dev.nanogen.worker.config.WorkerProperties;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The AIML API as its documentation describes it: images through the synchronous {@code POST
 * /v1/images/generations}, videos through {@code POST /v2/video/generations} and then polls of
 * {@code GET /v2/video/generations?generation_id=}. Every failure becomes a classified {@link
 * ProviderError}; nothing here retries (the caller's retry policy does). One client per provider
 * route ({@code nanogen.providers[n]}, or the single {@code nanogen.aiml} route).
 */
public class AimlClient {
  private final RestClient images;
  private final RestClient video;
  private final JsonMapper json;

  /**
   * @param baseUrl the route's API base
   * @param apiKey the route's Bearer key (none: every call is refused by the provider)
   * @param timeouts connect, image and poll time-outs (shared by every route)
   */
  public AimlClient(
      String route,
      String baseUrl,
      String apiKey,
      WorkerProperties.Aiml timeouts,
      JsonMapper json,
      RestClient.Builder rest) {
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(timeouts.connectTimeout())
            // Every call carries the route's key: a redirect is an answer, never followed.
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.images = client(rest.clone(), route, baseUrl, apiKey, http, timeouts.imageTimeout());
    this.video = client(rest.clone(), route, baseUrl, apiKey, http, timeouts.pollTimeout());
    this.json = json;
  }

  /**
   * Built from Boot's builder, so every call is observed ({@code
   * http.client.requests{provider=aiml}}, a span on the generation's trace); the key travels in a
   * header, never in a URL or a tag.
   */
  private static RestClient client(
      RestClient.Builder rest,
      String route,
      String baseUrl,
      String apiKey,
      HttpClient http,
      Duration timeout) {
    JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(http);
    factory.setReadTimeout(timeout);
    RestClient.Builder builder =
        rest.baseUrl(baseUrl)
            .requestFactory(factory)
            .observationConvention(new ProviderCalls(route, UnaryOperator.identity()));
    if (apiKey != null && !apiKey.isBlank()) {
      builder.defaultHeader("Authorization", "Bearer " + apiKey);
    }
    return builder.build();
  }

  /**
   * Generates images synchronously; returns them in both documented answer shapes: {@code
   * data[].url} or {@code data[].b64_json}, and {@code images[].url}.
   */
  public Images generateImage(String model, String prompt, Map<String, Object> params) {
    JsonNode body = post(images, "/v1/images/generations", request(model, prompt, params));
    List<ImageOutput> outputs = new ArrayList<>();
    for (JsonNode item : body.path("data")) {
      if (item.hasNonNull("url")) {
        outputs.add(new ImageOutput.Link(item.get("url").asString()));
      } else if (item.hasNonNull("b64_json")) {
        outputs.add(new ImageOutput.Inline(decode(item.get("b64_json").asString())));
      }
    }
    for (JsonNode item : body.path("images")) {
      if (item.hasNonNull("url")) {
        outputs.add(new ImageOutput.Link(item.get("url").asString()));
      }
    }
    if (outputs.isEmpty()) {
      throw ProviderError.badResponse(
          "image answer has neither data[].url, data[].b64_json nor images[].url");
    }
    return new Images(outputs, cost(body));
  }

  /**
   * An image answer.
   *
   * @param cost what the provider says it charged ({@code cost} in its answer), or null
   */
  public record Images(List<ImageOutput> outputs, BigDecimal cost) {}

  private static BigDecimal cost(JsonNode body) {
    JsonNode cost = body.path("cost");
    return cost.isNumber() ? cost.decimalValue() : null;
  }

  private static byte[] decode(String b64) {
    try {
      return java.util.Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw ProviderError.badResponse("b64_json is not base64");
    }
  }

  /** Submits a video task; returns the provider's task id. */
  public String submitVideo(String model, String prompt, Map<String, Object> params) {
    JsonNode body = post(video, "/v2/video/generations", request(model, prompt, params));
    String id = body.path("id").asString(null);
    if (id == null || id.isBlank()) {
      throw ProviderError.badResponse("video submission answered no id");
    }
    return id;
  }

  /** One poll of a video task. */
  public VideoStatus pollVideo(String taskId) {
    JsonNode body =
        exchange(
            () ->
                video
                    .get()
                    .uri("/v2/video/generations?generation_id={id}", taskId)
                    .exchange(
                        (request, response) ->
                            read(response.getStatusCode(), response.getBody().readAllBytes())));
    String state = body.path("status").asString("");
    if (state.isEmpty()) {
      // A poll is a read: a malformed answer is retried, not fatal.
      throw ProviderError.network("video status answer has no status");
    }
    return new VideoStatus(
        state,
        body.path("video").path("url").asString(null),
        body.path("error").path("message").asString(null),
        cost(body));
  }

  private static Map<String, Object> request(
      String model, String prompt, Map<String, Object> params) {
    Map<String, Object> request = new LinkedHashMap<>(params == null ? Map.of() : params);
    request.put("model", model);
    request.put("prompt", prompt);
    return request;
  }

  private JsonNode post(RestClient client, String path, Map<String, Object> request) {
    return exchange(
        () ->
            client
                .post()
                .uri(path)
                .contentType(MediaType.APPLICATION_JSON)
                .body(json.writeValueAsBytes(request))
                .exchange(
                    (req, response) ->
                        read(response.getStatusCode(), response.getBody().readAllBytes())));
  }

  private JsonNode read(HttpStatusCode status, byte[] body) {
    JsonNode node;
    try {
      node = json.readTree(body);
    } catch (RuntimeException e) {
      if (status.is2xxSuccessful()) {
        throw ProviderError.badResponse("answer is not JSON");
      }
      throw ProviderError.ofStatus(status.value(), null);
    }
    if (!status.is2xxSuccessful()) {
      throw ProviderError.ofStatus(status.value(), node.path("message").asString(null));
    }
    return node;
  }

  private static JsonNode exchange(java.util.function.Supplier<JsonNode> call) {
    try {
      return call.get();
    } catch (ResourceAccessException e) {
      // No URL or key in the message: only what went wrong.
      Throwable cause = e.getCause() == null ? e : e.getCause();
      String what = "AIML unreachable: " + cause.getClass().getSimpleName();
      // No connection: nothing was sent. A time-out after sending is not known to be unsent.
      boolean unsent =
          cause instanceof java.net.ConnectException
              || cause instanceof java.net.http.HttpConnectTimeoutException
              || cause instanceof java.net.UnknownHostException
              || cause instanceof java.nio.channels.UnresolvedAddressException;
      throw unsent ? ProviderError.unreachable(what) : ProviderError.network(what);
    }
  }
}

package dev.nanogen.worker.aiml;

import dev.nanogen.ops.trace.ProviderCalls;
import dev.nanogen.worker.config.WorkerProperties;
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
import org.springframework.stereotype.Component;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The AIML API as CONTRACT.md describes it: images through the synchronous {@code POST
 * /v1/images/generations}, videos through {@code POST /v2/video/generations} and then polls of
 * {@code GET /v2/video/generations?generation_id=}. Every failure becomes a classified {@link
 * ProviderError}; nothing here retries (the caller's retry policy does).
 */
@Component
public class AimlClient {
  private final RestClient images;
  private final RestClient video;
  private final JsonMapper json;

  AimlClient(WorkerProperties properties, JsonMapper json, RestClient.Builder rest) {
    WorkerProperties.Aiml aiml = properties.aiml();
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(aiml.connectTimeout())
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    this.images = client(rest.clone(), aiml, http, aiml.imageTimeout());
    this.video = client(rest.clone(), aiml, http, aiml.pollTimeout());
    this.json = json;
  }

  /**
   * Built from Boot's builder, so every call is observed ({@code
   * http.client.requests{provider=aiml}}, a span on the generation's trace); the key travels in a
   * header, never in a URL or a tag.
   */
  private static RestClient client(
      RestClient.Builder rest, WorkerProperties.Aiml aiml, HttpClient http, Duration timeout) {
    JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(http);
    factory.setReadTimeout(timeout);
    RestClient.Builder builder =
        rest.baseUrl(aiml.baseUrl())
            .requestFactory(factory)
            .observationConvention(new ProviderCalls("aiml", UnaryOperator.identity()));
    if (aiml.apiKey() != null && !aiml.apiKey().isBlank()) {
      builder.defaultHeader("Authorization", "Bearer " + aiml.apiKey());
    }
    return builder.build();
  }

  /**
   * Generates images synchronously; returns them in both documented answer shapes: {@code
   * data[].url} or {@code data[].b64_json}, and {@code images[].url}.
   */
  public List<ImageOutput> generateImage(String model, String prompt, Map<String, Object> params) {
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
    return outputs;
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
        body.path("error").path("message").asString(null));
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
      throw ProviderError.network("AIML unreachable: " + cause.getClass().getSimpleName());
    }
  }
}

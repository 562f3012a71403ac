package dev.nanogen.ops.telegram;

import dev.nanogen.ops.trace.ProviderCalls;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.util.DefaultUriBuilderFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Calls of the Telegram Bot API ({@code <base>/bot<token>/<method>}), answered {@code {ok, result}}
 * or {@code {ok:false, error_code, description, parameters}}: the result, or a {@link
 * TelegramError} (429 with its retry_after, other 4xx final, the rest retryable). Built from Boot's
 * builder, so every call is observed ({@code http.client.requests{provider=telegram}}, a span on
 * the current trace); the token is a URI variable, so the {@code uri} tag is the template ({@code
 * /bot{token}/sendPhoto}) and the span's URL has it masked. The token never appears in an error or
 * a log line.
 */
public final class BotApi {
  private static final Pattern BOT_PATH = Pattern.compile("/bot[^/]*/");
  private static final Pattern TOKEN = Pattern.compile("[0-9]+:[A-Za-z0-9_-]+");

  private final String token;
  private final RestClient client;
  private final JsonMapper json;

  /**
   * @param readTimeout how long one call may take to answer (an upload needs longer than a text)
   */
  public BotApi(
      RestClient.Builder rest,
      String baseUrl,
      String token,
      Duration connectTimeout,
      Duration readTimeout,
      JsonMapper json) {
    JdkClientHttpRequestFactory factory =
        new JdkClientHttpRequestFactory(
            HttpClient.newBuilder().connectTimeout(connectTimeout).build());
    factory.setReadTimeout(readTimeout);
    if (!TOKEN.matcher(token).matches()) {
      throw new IllegalArgumentException(
          "nanogen.telegram.bot-token is not a bot token (digits, ':', then letters, digits, _ or"
              + " -)");
    }
    // The token goes into the path as Telegram documents it (/bot123:ABC/…), not percent-encoded:
    // template variables are not encoded, which the token's own characters never need.
    DefaultUriBuilderFactory uris = new DefaultUriBuilderFactory(baseUrl);
    uris.setEncodingMode(DefaultUriBuilderFactory.EncodingMode.NONE);
    this.client =
        rest.clone()
            .uriBuilderFactory(uris)
            .requestFactory(factory)
            .observationConvention(
                new ProviderCalls(
                    "telegram", url -> BOT_PATH.matcher(url).replaceFirst("/bot<token>/")))
            .build();
    this.token = token;
    this.json = json;
  }

  /** Calls {@code method} with a JSON body; answers its result. */
  public JsonNode call(String method, Object body) {
    return exchange(method, MediaType.APPLICATION_JSON, json.writeValueAsBytes(body));
  }

  /**
   * Calls {@code method} with a body of {@code type} (multipart for an upload); answers its result.
   */
  public JsonNode exchange(String method, MediaType type, Object body) {
    JsonNode answer;
    try {
      answer =
          client
              .post()
              .uri("/bot{token}/" + method, token)
              .contentType(type)
              .body(body)
              .exchange(
                  (request, response) ->
                      read(response.getBody().readAllBytes(), response.getStatusCode().value()));
    } catch (ResourceAccessException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new TelegramError(0, method + " unreachable: " + cause.getClass().getSimpleName());
    }
    if (answer.path("ok").asBoolean(false)) {
      return answer.path("result");
    }
    int code = answer.path("error_code").asInt(0);
    String description = method + ": " + answer.path("description").asString("");
    if (code == 429) {
      throw new TelegramError.RetryAfter(
          answer.path("parameters").path("retry_after").asInt(1), description);
    }
    if (code >= 400 && code < 500) {
      throw new TelegramError.Final(code, description);
    }
    throw new TelegramError(code, description);
  }

  /**
   * A file a user sent, by the {@code file_path} getFile answered ({@code <base>/file/bot<token>/
   * <path>}): at most {@code maxBytes} of it, else a {@link TelegramError.Final}.
   */
  public byte[] download(String filePath, long maxBytes) {
    try {
      return client
          .get()
          .uri("/file/bot{token}/" + filePath, token)
          .exchange(
              (request, response) -> {
                if (!response.getStatusCode().is2xxSuccessful()) {
                  throw new TelegramError.Final(
                      response.getStatusCode().value(),
                      "file download answered " + response.getStatusCode().value());
                }
                try (java.io.InputStream in = response.getBody()) {
                  byte[] content =
                      in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                  if (content.length > maxBytes) {
                    throw new TelegramError.Final(413, "file over " + maxBytes + " bytes");
                  }
                  return content;
                }
              });
    } catch (ResourceAccessException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new TelegramError(0, "file download unreachable: " + cause.getClass().getSimpleName());
    }
  }

  private JsonNode read(byte[] body, int status) {
    try {
      return json.readTree(body);
    } catch (RuntimeException e) {
      return json.createObjectNode()
          .put("ok", false)
          .put("error_code", status)
          .put("description", "answer is not JSON");
    }
  }
}

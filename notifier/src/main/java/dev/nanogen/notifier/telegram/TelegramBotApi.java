package dev.nanogen.notifier.telegram;

import dev.nanogen.notifier.config.NotifierProperties;
import java.net.http.HttpClient;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small typed client of the Telegram Bot API ({@code <base>/bot<token>/<method>}, JSON bodies,
 * answers {@code {ok, result}} or {@code {ok:false, error_code, description, parameters}}). Errors
 * are classified into {@link TelegramError}s; the token never appears in one.
 */
@Component
public class TelegramBotApi {
  private final RestClient client;
  private final JsonMapper json;

  TelegramBotApi(NotifierProperties properties, JsonMapper json) {
    NotifierProperties.Telegram telegram = properties.telegram();
    JdkClientHttpRequestFactory factory =
        new JdkClientHttpRequestFactory(HttpClient.newBuilder().connectTimeout(telegram.timeout()).build());
    factory.setReadTimeout(telegram.timeout());
    this.client =
        RestClient.builder()
            .baseUrl(telegram.apiBaseUrl() + "/bot" + telegram.botToken())
            .requestFactory(factory)
            .build();
    this.json = json;
  }

  public JsonNode sendMessage(long chatId, String text) {
    return call("sendMessage", Map.of("chat_id", chatId, "text", text));
  }

  public JsonNode sendPhoto(long chatId, String url, String caption) {
    return call("sendPhoto", withCaption(Map.of("chat_id", chatId, "photo", url), caption));
  }

  public JsonNode sendVideo(long chatId, String url, String caption) {
    return call("sendVideo", withCaption(Map.of("chat_id", chatId, "video", url), caption));
  }

  public JsonNode sendDocument(long chatId, String url, String caption) {
    return call("sendDocument", withCaption(Map.of("chat_id", chatId, "document", url), caption));
  }

  private static Map<String, Object> withCaption(Map<String, Object> fields, String caption) {
    Map<String, Object> body = new LinkedHashMap<>(fields);
    if (caption != null) {
      body.put("caption", caption);
    }
    return body;
  }

  private JsonNode call(String method, Map<String, Object> body) {
    JsonNode answer;
    try {
      answer =
          client
              .post()
              .uri("/" + method)
              .contentType(MediaType.APPLICATION_JSON)
              .body(json.writeValueAsBytes(body))
              .exchange((request, response) -> read(response.getBody().readAllBytes(), response.getStatusCode().value()));
    } catch (ResourceAccessException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new TelegramError(0, method + " unreachable: " + cause.getClass().getSimpleName());
    }
    if (answer.path("ok").asBoolean(false)) {
      return answer.path("result");
    }
    int code = answer.path("error_code").asInt(0);
    String description = answer.path("description").asString("");
    if (code == 429) {
      throw new TelegramError.RetryAfter(answer.path("parameters").path("retry_after").asInt(1), description);
    }
    if (code >= 400 && code < 500) {
      throw new TelegramError.Final(code, description);
    }
    throw new TelegramError(code, description);
  }

  private JsonNode read(byte[] body, int status) {
    try {
      return json.readTree(body);
    } catch (RuntimeException e) {
      return json.createObjectNode().put("ok", false).put("error_code", status).put("description", "answer is not JSON");
    }
  }
}

package dev.nanogen.notifier.telegram;

import dev.nanogen.notifier.config.NotifierProperties;
import dev.nanogen.ops.telegram.BotApi;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The notifier's typed sends on the Telegram Bot API: texts, files (by URL, file_id or upload, with
 * a longer timeout) and albums, over {@link BotApi}.
 */
@Component
public class TelegramBotApi {
  private final BotApi client;
  private final BotApi uploads;

  /** The message every send of this view answers, or null. */
  private final Long replyTo;

  private final JsonMapper json;

  /** What Telegram answered for one message: its id and, for a file, the file_id to reuse. */
  public record Sent(long messageId, String fileId) {}

  /** How a file message names its file. */
  public sealed interface InputFile {
    /** Telegram fetches the URL itself (photos ≤ 5 MB, other files ≤ 20 MB). */
    record Url(String url) implements InputFile {}

    /** A file Telegram already has. */
    record FileId(String fileId) implements InputFile {}

    /** The bytes are uploaded (≤ 50 MB). */
    record Upload(Path path, String filename) implements InputFile {}
  }

  /** The Bot API methods that send one file, with the name of their file field. */
  public enum FileMethod {
    PHOTO("sendPhoto", "photo"),
    VIDEO("sendVideo", "video"),
    DOCUMENT("sendDocument", "document");

    final String method;
    final String field;

    FileMethod(String method, String field) {
      this.method = method;
      this.field = field;
    }
  }

  @org.springframework.beans.factory.annotation.Autowired
  TelegramBotApi(NotifierProperties properties, JsonMapper json, RestClient.Builder rest) {
    NotifierProperties.Telegram telegram = properties.telegram();
    this.client =
        new BotApi(
            rest,
            telegram.apiBaseUrl(),
            telegram.botToken(),
            telegram.timeout(),
            telegram.timeout(),
            json);
    this.uploads =
        new BotApi(
            rest,
            telegram.apiBaseUrl(),
            telegram.botToken(),
            telegram.timeout(),
            telegram.uploadTimeout(),
            json);
    this.replyTo = null;
    this.json = json;
  }

  private TelegramBotApi(BotApi client, BotApi uploads, Long replyTo, JsonMapper json) {
    this.client = client;
    this.uploads = uploads;
    this.replyTo = replyTo;
    this.json = json;
  }

  /**
   * The same sends, each answering message {@code messageId} of its chat (Telegram quotes it above
   * the answer; a message deleted meanwhile is no reason to fail); null: this API as it is.
   */
  public TelegramBotApi replyingTo(Long messageId) {
    return messageId == null ? this : new TelegramBotApi(client, uploads, messageId, json);
  }

  private Map<String, Object> replyParameters() {
    return Map.of("message_id", replyTo, "allow_sending_without_reply", true);
  }

  public Sent sendMessage(long chatId, String text) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("chat_id", chatId);
    body.put("text", text);
    return sent(call("sendMessage", body));
  }

  public Sent sendFile(long chatId, FileMethod method, InputFile file, String caption) {
    if (file instanceof InputFile.Upload upload) {
      MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
      parts.add("chat_id", Long.toString(chatId));
      if (caption != null) {
        parts.add("caption", caption);
      }
      if (replyTo != null) {
        parts.add("reply_parameters", json.writeValueAsString(replyParameters()));
      }
      parts.add(method.field, new NamedFile(upload.path(), upload.filename()));
      return sent(uploads.exchange(method.method, MediaType.MULTIPART_FORM_DATA, parts));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("chat_id", chatId);
    body.put(
        method.field,
        file instanceof InputFile.Url url ? url.url() : ((InputFile.FileId) file).fileId());
    if (caption != null) {
      body.put("caption", caption);
    }
    return sent(call(method.method, body));
  }

  /**
   * Several photos (or documents) as one album: {@code media} are URLs or file_ids, the caption
   * goes on the first. Telegram answers one message per item.
   */
  public List<Sent> sendMediaGroup(long chatId, String type, List<String> media, String caption) {
    List<Map<String, Object>> items = new ArrayList<>();
    for (String item : media) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("type", type);
      entry.put("media", item);
      if (items.isEmpty() && caption != null) {
        entry.put("caption", caption);
      }
      items.add(entry);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("chat_id", chatId);
    body.put("media", items);
    JsonNode result = call("sendMediaGroup", body);
    List<Sent> sent = new ArrayList<>();
    for (JsonNode message : result) {
      sent.add(sent(message));
    }
    return sent;
  }

  private static Sent sent(JsonNode message) {
    JsonNode file =
        message.path("photo").isArray()
            ? message.path("photo").path(message.path("photo").size() - 1)
            : null;
    for (String field : List.of("video", "document", "animation")) {
      if (file == null && message.has(field)) {
        file = message.path(field);
      }
    }
    String fileId =
        file == null || file.isMissingNode() ? null : file.path("file_id").asString(null);
    return new Sent(message.path("message_id").asLong(), fileId);
  }

  private JsonNode call(String method, Map<String, Object> body) {
    if (replyTo != null) {
      body.put("reply_parameters", replyParameters());
    }
    return client.call(method, body);
  }

  /** An uploaded file part named as the result was named, not as the temporary file is. */
  private static final class NamedFile extends FileSystemResource {
    private final String filename;

    NamedFile(Path path, String filename) {
      super(path);
      this.filename = filename;
    }

    @Override
    public String getFilename() {
      return filename;
    }
  }
}

package dev.nanogen.gateway.telegram;

import dev.nanogen.gateway.auth.CurrentUser;
import dev.nanogen.gateway.auth.Users;
import dev.nanogen.gateway.catalog.CatalogModel;
import dev.nanogen.gateway.catalog.ModelCatalog;
import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.generation.Generations;
import dev.nanogen.gateway.generation.StartGeneration;
import dev.nanogen.gateway.i18n.UserLocale;
import dev.nanogen.gateway.idempotency.Answer;
import dev.nanogen.gateway.uploads.AcceptUpload;
import dev.nanogen.gateway.uploads.UploadProperties;
import dev.nanogen.gateway.uploads.Uploads;
import dev.nanogen.ops.telegram.BotApi;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.context.MessageSource;
import org.springframework.stereotype.Component;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Photos sent to the bot, and the buttons under them. A photo (its largest size) or an image sent
 * as a file is fetched with getFile and kept as one of the sender's uploads ({@link AcceptUpload}:
 * the same checks, limits and location removal as the Mini App's), once per update. The answer, in
 * the sender's language, has a button that opens the Mini App on the upload and, when the photo
 * came with a caption, one that starts the default edit with the caption as its prompt at its
 * price. That button starts one generation however often it is pressed or delivered (a photo
 * already used in a generation says so; presses at the same moment share the upload's idempotency
 * key), and its callback answer says what happened in the API's own words (started, insufficient
 * credits, a limit reached).
 */
@Component
class BotPhotos {
  /** The model the edit button starts. */
  static final String EDIT_MODEL = "nano-banana-edit";

  static final String EDIT = "edit:";

  private final BotApi bot;
  private final AcceptUpload accept;
  private final Uploads uploads;
  private final UploadProperties limits;
  private final Users users;
  private final ModelCatalog catalog;
  private final StartGeneration start;
  private final Generations generations;
  private final TelegramUpdates updates;
  private final MessageSource messages;
  private final JsonMapper json;
  private final String miniAppUrl;

  BotPhotos(
      BotApi bot,
      AcceptUpload accept,
      Uploads uploads,
      UploadProperties limits,
      Users users,
      ModelCatalog catalog,
      StartGeneration start,
      Generations generations,
      TelegramUpdates updates,
      MessageSource messages,
      JsonMapper json,
      NanogenProperties properties) {
    this.bot = bot;
    this.accept = accept;
    this.uploads = uploads;
    this.limits = limits;
    this.users = users;
    this.catalog = catalog;
    this.start = start;
    this.generations = generations;
    this.updates = updates;
    this.messages = messages;
    this.json = json;
    this.miniAppUrl = properties.miniAppUrl();
  }

  /** The image a message carries: the largest photo size, or a document of an image type. */
  static Optional<JsonNode> image(JsonNode message) {
    JsonNode photos = message.path("photo");
    if (photos.isArray() && !photos.isEmpty()) {
      JsonNode largest = photos.get(0);
      for (JsonNode size : photos) {
        if (size.path("width").asLong(0) * size.path("height").asLong(0)
            >= largest.path("width").asLong(0) * largest.path("height").asLong(0)) {
          largest = size;
        }
      }
      return Optional.of(largest);
    }
    JsonNode document = message.path("document");
    if (document.isObject() && document.path("mime_type").asString("").startsWith("image/")) {
      return Optional.of(document);
    }
    return Optional.empty();
  }

  /** The sendMessage answering a photo; null when this update was handled before. */
  Map<String, Object> photo(long updateId, JsonNode message, JsonNode image) {
    JsonNode from = message.path("from");
    Locale locale = UserLocale.supported(from.path("language_code").asString(null));
    long chatId = message.path("chat").path("id").asLong();
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("method", "sendMessage");
    reply.put("chat_id", chatId);
    String caption = message.path("caption").asString("").strip();
    try {
      CurrentUser user = user(from);
      if (image.path("file_size").asLong(0) > limits.maxBytes().toBytes()) {
        throw new AppError(ErrorCode.PAYLOAD_TOO_LARGE, "the photo is over the cap");
      }
      String path =
          bot.call("getFile", Map.of("file_id", image.path("file_id").asString()))
              .path("file_path")
              .asString();
      byte[] content = bot.download(path, limits.maxBytes().toBytes());
      Optional<Uploads.View> kept =
          accept.acceptOnce(
              user.id(),
              new ByteArrayInputStream(content),
              AcceptUpload.Source.BOT,
              caption.isEmpty() ? null : caption,
              message.path("message_id").isIntegralNumber()
                  ? message.path("message_id").asLong()
                  : null,
              () -> updates.firstTime(updateId, "photo"));
      if (kept.isEmpty()) {
        return null;
      }
      UUID id = kept.get().uploadId();
      List<List<Map<String, Object>>> buttons = new ArrayList<>();
      if (!caption.isEmpty()) {
        long price = editPrice();
        reply.put("text", text("bot.photo.edit", locale, caption, price));
        buttons.add(
            List.of(
                Map.of(
                    "text",
                    text("bot.photo.button.edit", locale, price),
                    "callback_data",
                    EDIT + id)));
      } else {
        reply.put("text", text("bot.photo.caption", locale));
      }
      if (miniAppUrl != null) {
        buttons.add(
            List.of(
                Map.of(
                    "text",
                    text("bot.photo.button.app", locale),
                    "web_app",
                    Map.of(
                        "url",
                        UriComponentsBuilder.fromUriString(miniAppUrl)
                            .queryParam("upload", id)
                            .build()
                            .toUriString()))));
      }
      if (!buttons.isEmpty()) {
        reply.put("reply_markup", Map.of("inline_keyboard", buttons));
      }
    } catch (AppError e) {
      reply.put(
          "text",
          messages.getMessage(e.code().messageKey(), e.messageArgs(), e.code().name(), locale));
    }
    return reply;
  }

  /** The answerCallbackQuery for a press of the edit button; null for a button not ours. */
  Map<String, Object> callback(JsonNode query) {
    String data = query.path("data").asString("");
    if (!data.startsWith(EDIT)) {
      return null;
    }
    JsonNode from = query.path("from");
    Locale locale = UserLocale.supported(from.path("language_code").asString(null));
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("method", "answerCallbackQuery");
    reply.put("callback_query_id", query.path("id").asString());
    try {
      UUID uploadId = uuid(data.substring(EDIT.length()));
      CurrentUser user = user(from);
      String prompt =
          uploads
              .caption(user.id(), uploadId)
              .filter(caption -> !caption.isBlank())
              .orElseThrow(() -> Uploads.notFound(uploadId));
      // A photo already used says so (however long ago); presses at the same moment are one start
      // by the key.
      if (generations.anyWithInput(user.id(), uploadId)) {
        reply.put("text", text("bot.edit.again", locale));
        return reply;
      }
      Answer answer =
          start.start(user, EDIT_MODEL, prompt, List.of(uploadId), "bot-edit:" + uploadId);
      JsonNode started = json.readTree(answer.body());
      reply.put(
          "text",
          answer.replayed()
              ? text("bot.edit.again", locale)
              : text("bot.edit.started", locale, started.path("price").asLong()));
    } catch (AppError e) {
      reply.put(
          "text",
          messages.getMessage(e.code().messageKey(), e.messageArgs(), e.code().name(), locale));
      reply.put("show_alert", true);
    }
    return reply;
  }

  private CurrentUser user(JsonNode from) {
    return users.fromBot(
        from.path("id").asLong(),
        from.path("first_name").asString(""),
        from.path("username").asString(null),
        from.path("language_code").asString(null),
        from.path("is_premium").asBoolean(false));
  }

  /** What the edit button costs: the edit model at its default params, with one photo. */
  private long editPrice() {
    CatalogModel model = catalog.startable(EDIT_MODEL);
    return model.params().resolve(Map.of(), model.price(), 1, json).price();
  }

  private static UUID uuid(String text) {
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw Uploads.notFound(null);
    }
  }

  private String text(String key, Locale locale, Object... args) {
    return messages.getMessage(key, args, locale);
  }
}

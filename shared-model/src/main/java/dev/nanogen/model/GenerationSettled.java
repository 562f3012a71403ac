package dev.nanogen.model;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A generation reached its end and its credits are settled (captured when completed, released when
 * failed or cancelled). Carries everything the notifier needs to message the user.
 *
 * @param chatId Telegram chat to message (the user's private chat with the bot)
 * @param languageCode the user's language_code from initData, for the message text
 * @param credits the price captured (completed) or returned (failed, cancelled)
 * @param replyTo the chat message the generation's first photo came in (a photo sent to the bot),
 *     which the notice answers so that it shows that photo; null for a text-only start or a photo
 *     from the Mini App, and before schema version 2
 */
public record GenerationSettled(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    UUID generationId,
    long userId,
    long chatId,
    String languageCode,
    GenerationStatus status,
    String modelId,
    String modelName,
    ModelKind kind,
    String prompt,
    List<String> resultUrls,
    String errorCode,
    long credits,
    Long replyTo) {

  public static final int SCHEMA_VERSION = 2;

  /** Answering no message (a version 1 record, or a start without a photo from the chat). */
  public GenerationSettled(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      UUID generationId,
      long userId,
      long chatId,
      String languageCode,
      GenerationStatus status,
      String modelId,
      String modelName,
      ModelKind kind,
      String prompt,
      List<String> resultUrls,
      String errorCode,
      long credits) {
    this(
        eventId,
        occurredAt,
        schemaVersion,
        generationId,
        userId,
        chatId,
        languageCode,
        status,
        modelId,
        modelName,
        kind,
        prompt,
        resultUrls,
        errorCode,
        credits,
        null);
  }
}

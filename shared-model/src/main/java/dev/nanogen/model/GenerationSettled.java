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
    long credits) {

  public static final int SCHEMA_VERSION = 1;
}

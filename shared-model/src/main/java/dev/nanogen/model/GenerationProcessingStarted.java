package dev.nanogen.model;

import java.time.Instant;
import java.util.UUID;

/**
 * A worker took a generation up (pending → processing). Announced by the gateway on the settled
 * topic only when {@code nanogen.notice-started} is on, so the notifier can tell the user it began.
 *
 * @param chatId Telegram chat to message (the user's private chat with the bot)
 * @param languageCode the user's language_code from initData, for the message text
 */
public record GenerationProcessingStarted(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    UUID generationId,
    long userId,
    long chatId,
    String languageCode,
    String modelId,
    String modelName,
    ModelKind kind,
    String prompt) {

  public static final int SCHEMA_VERSION = 1;
}

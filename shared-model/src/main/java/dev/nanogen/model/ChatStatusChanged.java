package dev.nanogen.model;

import java.time.Instant;
import java.util.UUID;

/**
 * The notifier learned whether the bot can reach a user's chat: {@code blocked} when Telegram
 * answered 403 (the user blocked the bot or never started it), cleared when a later message went
 * through. The gateway records it on the user.
 *
 * @param description Telegram's words for a refusal, null when cleared
 */
public record ChatStatusChanged(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    long userId,
    long chatId,
    boolean blocked,
    String description) {

  public static final int SCHEMA_VERSION = 1;
}

package dev.nanogen.model;

import java.time.Instant;
import java.util.UUID;

/**
 * A Telegram Stars payment was received and its pack's credits added (in the same transaction).
 * Announced by the gateway on {@link Topics#SETTLED}, keyed by the payment id, so that the notifier
 * confirms the purchase in the user's chat.
 *
 * @param chatId Telegram chat to message (the user's private chat with the bot)
 * @param languageCode the user's language_code, for the message text
 * @param packTitle the pack's title as invoiced
 * @param credits the credits added
 * @param stars the Stars paid
 * @param creditsAvailable the user's available credits right after the purchase
 */
public record PaymentReceived(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    UUID paymentId,
    long userId,
    long chatId,
    String languageCode,
    String packTitle,
    long credits,
    long stars,
    long creditsAvailable) {

  public static final int SCHEMA_VERSION = 1;
}

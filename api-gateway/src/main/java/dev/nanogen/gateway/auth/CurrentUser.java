package dev.nanogen.gateway.auth;

/**
 * The authenticated caller, from verified initData and the users table. Controllers take it as a
 * parameter; it is never read from a body or a query.
 *
 * @param premium the app-level premium flag (set by admins), which decides the limits
 * @param botBlocked Telegram refused the bot's last message to the user
 */
public record CurrentUser(long id, String languageCode, boolean premium, boolean botBlocked) {}

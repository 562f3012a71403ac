package dev.nanogen.gateway.auth;

/** The user as Telegram's signed initData describes them. */
record TelegramUser(
    long id, String firstName, String username, String languageCode, boolean telegramPremium) {}

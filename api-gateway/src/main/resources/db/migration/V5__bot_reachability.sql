-- Whether the bot can reach the user's chat, as the notifier last learned it (ChatStatusChanged):
-- bot_blocked after Telegram's 403, cleared when a message goes through again. bot_status_at is the
-- event's time, so a late or repeated event never overwrites a newer one.
ALTER TABLE users
    ADD COLUMN bot_blocked   boolean     NOT NULL DEFAULT false,
    ADD COLUMN bot_status_at timestamptz;

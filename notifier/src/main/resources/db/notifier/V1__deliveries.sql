-- The notifier's own tables, in its own schema (its own Flyway history too): the gateway never
-- reads them, the notifier never reads the gateway's.

-- One row per message the notifier owes a user: unique per generation and kind, so a redelivered
-- event adds nothing. A row is PENDING until it ends as SENT, BLOCKED (403: the user blocked the bot),
-- DROPPED (another final 4xx) or PARKED (retried for max-retry-age without success; an admin can
-- re-queue it). A claimed row carries a lease: a notifier that dies mid-send leaves it to be claimed
-- again when the lease ends, so a crash can repeat one message but never lose one.
CREATE TABLE deliveries (
    id                  bigserial   PRIMARY KEY,
    generation_id       uuid        NOT NULL,
    kind                text        NOT NULL CHECK (kind IN ('RESULT')),
    user_id             bigint      NOT NULL,
    chat_id             bigint      NOT NULL,
    notice              jsonb       NOT NULL,
    correlation_id      text,
    state               text        NOT NULL DEFAULT 'PENDING'
                                    CHECK (state IN ('PENDING', 'SENT', 'BLOCKED', 'DROPPED', 'PARKED')),
    attempts            integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at     timestamptz NOT NULL,
    lease_until         timestamptz,
    last_error          text,
    telegram_message_id bigint,
    created_at          timestamptz NOT NULL,
    -- retries are given up max-retry-age after this (the creation, or an admin's re-queue)
    retrying_since      timestamptz NOT NULL,
    finished_at         timestamptz,
    UNIQUE (generation_id, kind)
);
CREATE INDEX deliveries_due ON deliveries (chat_id, next_attempt_at) WHERE state = 'PENDING';
CREATE INDEX deliveries_parked ON deliveries (id) WHERE state = 'PARKED';
CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE state <> 'PENDING';

-- Per-chat pacing shared by every notifier replica: nothing is sent to a chat before next_send_at
-- (one message per second, or Telegram's retry_after after a 429). blocked_at: the last 403.
CREATE TABLE chats (
    chat_id      bigint      PRIMARY KEY,
    user_id      bigint      NOT NULL,
    next_send_at timestamptz NOT NULL DEFAULT '-infinity',
    blocked_at   timestamptz
);

-- The global send clock shared by every replica: each send reserves the next slot (1/rate apart).
CREATE TABLE send_clock (
    id        integer     PRIMARY KEY CHECK (id = 1),
    next_slot timestamptz NOT NULL
);
INSERT INTO send_clock (id, next_slot) VALUES (1, '-infinity');

-- Telegram's file_id for every file the bot has sent, by the URL it came from: sending the same
-- file again names the file_id and needs no upload.
CREATE TABLE media_files (
    source_url text        PRIMARY KEY,
    method     text        NOT NULL,
    file_id    text        NOT NULL,
    created_at timestamptz NOT NULL
);

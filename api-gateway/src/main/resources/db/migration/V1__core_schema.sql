-- NanoGen core schema: users with two-phase balances, the model catalog, generations with their
-- status history, the append-only credit ledger, and the transactional outbox.

CREATE TABLE users (
    id                 BIGINT PRIMARY KEY,           -- Telegram user id, from verified initData only
    first_name         TEXT,
    username           TEXT,
    language_code      TEXT,
    telegram_premium   BOOLEAN     NOT NULL DEFAULT FALSE, -- what Telegram says; informational
    premium            BOOLEAN     NOT NULL DEFAULT FALSE, -- app-level flag set by admins; decides limits
    banned             BOOLEAN     NOT NULL DEFAULT FALSE,
    credits_available  BIGINT      NOT NULL DEFAULT 0 CHECK (credits_available >= 0),
    credits_held       BIGINT      NOT NULL DEFAULT 0 CHECK (credits_held >= 0),
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE models (
    id                TEXT PRIMARY KEY,
    name              TEXT    NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('image', 'video')),
    provider_model    TEXT    NOT NULL,            -- the AIML API model name
    price             BIGINT  NOT NULL CHECK (price > 0),
    enabled           BOOLEAN NOT NULL DEFAULT TRUE,
    deadline_seconds  INTEGER NOT NULL CHECK (deadline_seconds > 0),
    sort_order        INTEGER NOT NULL DEFAULT 0
);

INSERT INTO models (id, name, kind, provider_model, price, enabled, deadline_seconds, sort_order) VALUES
    ('flux-schnell',  'FLUX.1 [schnell]', 'image', 'flux/schnell',                 1, TRUE, 120, 10),
    ('flux-pro',      'FLUX 1.1 Pro',     'image', 'flux-pro/v1.1',                4, TRUE, 180, 20),
    ('dall-e-3',      'DALL·E 3',         'image', 'dall-e-3',                     5, TRUE, 180, 30),
    ('kling-video',   'Kling 2.1 Video',  'video', 'kling-video/v2.1/standard/text-to-video', 30, TRUE, 600, 40),
    ('veo-3',         'Google Veo 3',     'video', 'google/veo3',                  60, TRUE, 900, 50);

CREATE TABLE generations (
    id                UUID PRIMARY KEY,
    user_id           BIGINT      NOT NULL REFERENCES users (id),
    model_id          TEXT        NOT NULL REFERENCES models (id),
    prompt            TEXT        NOT NULL,
    params            JSONB       NOT NULL DEFAULT '{}',
    price             BIGINT      NOT NULL CHECK (price > 0),
    status            TEXT        NOT NULL CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
    provider_task_id  TEXT,
    result_urls       JSONB,
    error_code        TEXT,
    error_message     TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    started_at        TIMESTAMPTZ,
    finished_at       TIMESTAMPTZ,
    timeout_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
-- History paging, newest first, and the rolling-minute start count.
CREATE INDEX generations_by_user ON generations (user_id, created_at DESC, id DESC);
-- The active-generation limit counts only these.
CREATE INDEX generations_active ON generations (user_id) WHERE status IN ('pending', 'processing');

CREATE TABLE generation_status_history (
    id             BIGSERIAL PRIMARY KEY,
    generation_id  UUID        NOT NULL REFERENCES generations (id),
    status         TEXT        NOT NULL,
    reason         TEXT        NOT NULL,
    at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX generation_status_history_by_generation ON generation_status_history (generation_id, id);

-- Append-only: every credit movement. amount is always positive; kind says which way it moves.
CREATE TABLE ledger (
    id             BIGSERIAL PRIMARY KEY,
    user_id        BIGINT      NOT NULL REFERENCES users (id),
    generation_id  UUID        REFERENCES generations (id),
    kind           TEXT        NOT NULL CHECK (kind IN ('GRANT', 'HOLD', 'CAPTURE', 'RELEASE', 'ADJUST')),
    amount         BIGINT      NOT NULL CHECK (amount <> 0),
    reason         TEXT        NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    CHECK ((kind IN ('HOLD', 'CAPTURE', 'RELEASE')) = (generation_id IS NOT NULL)),
    CHECK (kind = 'ADJUST' OR amount > 0)
);
CREATE INDEX ledger_by_user ON ledger (user_id, id DESC);
-- Each hold is placed once and ends once: a second CAPTURE or RELEASE for a generation is impossible,
-- even if some code path were wrong.
CREATE UNIQUE INDEX ledger_one_hold_per_generation ON ledger (generation_id) WHERE kind = 'HOLD';
CREATE UNIQUE INDEX ledger_one_settlement_per_generation ON ledger (generation_id) WHERE kind IN ('CAPTURE', 'RELEASE');

-- Transactional outbox: written in the same transaction as the state change it announces.
CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    topic           TEXT        NOT NULL,
    message_key     TEXT        NOT NULL,
    event_type      TEXT        NOT NULL,
    payload         TEXT        NOT NULL,
    correlation_id  TEXT,
    status          TEXT        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'PUBLISHED', 'BLOCKED')),
    attempts        INTEGER     NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    available_at    TIMESTAMPTZ NOT NULL,
    published_at    TIMESTAMPTZ
);
-- The relay's claim scans only what is left to publish.
CREATE INDEX outbox_pending ON outbox (id) WHERE status = 'PENDING';
CREATE INDEX outbox_published ON outbox (published_at) WHERE status = 'PUBLISHED';

-- Consumer de-duplication: an event id is applied once.
CREATE TABLE processed_events (
    event_id      UUID PRIMARY KEY,
    processed_at  TIMESTAMPTZ NOT NULL
);

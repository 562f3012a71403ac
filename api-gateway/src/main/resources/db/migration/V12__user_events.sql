-- What GET /api/events tells a user, retained for replay after a reconnect (Last-Event-ID): one row per
-- status change of a generation and per movement of the user's credits, written in the change's own
-- transaction. Every gateway replica tails this table for the streams it serves. Purged after
-- nanogen.events.retention (15 min).
CREATE TABLE user_events (
    id             BIGSERIAL PRIMARY KEY,
    user_id        BIGINT      NOT NULL,
    kind           TEXT        NOT NULL CHECK (kind IN ('generation', 'balance')),
    generation_id  UUID,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((kind = 'generation') = (generation_id IS NOT NULL))
);
CREATE INDEX user_events_by_user ON user_events (user_id, id);
CREATE INDEX user_events_created ON user_events (created_at);

-- Single-use tokens for EventSource, which cannot send the tma header: the SHA-256 of the token.
CREATE TABLE event_tokens (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT      NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX event_tokens_expiry ON event_tokens (expires_at);

-- Idempotency keys, scoped to the user. A key is stored with the fingerprint of the request it
-- was first used with and the response it produced, in the same transaction as the effect.
CREATE TABLE idempotency_keys (
    user_id          BIGINT      NOT NULL,
    scope            TEXT        NOT NULL,   -- which operation: 'start', 'admin-credits'
    idempotency_key  TEXT        NOT NULL,
    fingerprint      TEXT        NOT NULL,   -- SHA-256 of the canonical request
    response_status  INTEGER     NOT NULL,
    response_body    TEXT        NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, scope, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

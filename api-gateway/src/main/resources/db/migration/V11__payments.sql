-- Buying credits with Telegram Stars: the packs on sale, one row per invoice, the Bot API updates
-- already handled, and the two ledger kinds a payment moves credits with.

CREATE TABLE credit_packs (
    id          TEXT PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    title       TEXT        NOT NULL CHECK (length(title) BETWEEN 1 AND 32),  -- an invoice title's limit
    credits     BIGINT      NOT NULL CHECK (credits > 0),
    stars       INTEGER     NOT NULL CHECK (stars BETWEEN 1 AND 100000),
    enabled     BOOLEAN     NOT NULL DEFAULT TRUE,
    sort_order  INTEGER     NOT NULL DEFAULT 0,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO credit_packs (id, title, credits, stars, sort_order) VALUES
    ('small',  '50 credits',   50,   50, 10),
    ('medium', '200 credits', 200,  180, 20),
    ('large',  '600 credits', 600,  500, 30);

-- One row per invoice. title, credits and stars are the invoice's terms, copied from the pack when the
-- invoice was made: a later price change does not touch a payment in flight. payload is the opaque
-- random string the invoice carries; it names this row and nothing else. checkout_query_id: the
-- pre_checkout_query answered ok for it (one per payment: a second checkout of the same invoice is
-- refused, so one invoice is paid at most once). refund_owed: credits a refund made outside the bot
-- could not take back because the user had spent them.
CREATE TABLE payments (
    id                          UUID PRIMARY KEY,
    user_id                     BIGINT      NOT NULL REFERENCES users (id),
    pack_id                     TEXT        NOT NULL REFERENCES credit_packs (id),
    title                       TEXT        NOT NULL,
    credits                     BIGINT      NOT NULL CHECK (credits > 0),
    stars                       INTEGER     NOT NULL CHECK (stars > 0),
    payload                     TEXT        NOT NULL UNIQUE,
    invoice_link                TEXT        NOT NULL,
    status                      TEXT        NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'paid', 'refunded')),
    checkout_query_id           TEXT,
    telegram_payment_charge_id  TEXT        UNIQUE,
    refund_owed                 BIGINT      NOT NULL DEFAULT 0 CHECK (refund_owed >= 0),
    created_at                  TIMESTAMPTZ NOT NULL,
    checkout_at                 TIMESTAMPTZ,
    paid_at                     TIMESTAMPTZ,
    refunded_at                 TIMESTAMPTZ,
    CHECK ((status = 'created') = (telegram_payment_charge_id IS NULL)),
    CHECK ((status = 'created') = (paid_at IS NULL)),
    CHECK ((status = 'refunded') = (refunded_at IS NOT NULL))
);
CREATE INDEX payments_by_user ON payments (user_id, created_at DESC, id DESC);
CREATE INDEX payments_paid ON payments (paid_at) WHERE status <> 'created';

-- Bot API updates already handled, by update_id: Telegram repeats an update it got no 200 for.
-- Purged by the sweeper after a day (Telegram gives up on an update long before).
CREATE TABLE telegram_updates (
    update_id    BIGINT PRIMARY KEY,
    kind         TEXT        NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX telegram_updates_received ON telegram_updates (received_at);

-- PURCHASE adds a paid pack's credits, REFUND takes back what a refund could (both positive amounts,
-- both naming their payment, at most one of each per payment).
ALTER TABLE ledger ADD COLUMN payment_id UUID REFERENCES payments (id);
ALTER TABLE ledger DROP CONSTRAINT ledger_kind_check;
ALTER TABLE ledger ADD CONSTRAINT ledger_kind_check
    CHECK (kind IN ('GRANT', 'HOLD', 'CAPTURE', 'RELEASE', 'ADJUST', 'PURCHASE', 'REFUND'));
ALTER TABLE ledger ADD CONSTRAINT ledger_payment_kinds CHECK ((kind IN ('PURCHASE', 'REFUND')) = (payment_id IS NOT NULL));
CREATE UNIQUE INDEX ledger_one_purchase_per_payment ON ledger (payment_id) WHERE kind = 'PURCHASE';
CREATE UNIQUE INDEX ledger_one_refund_per_payment ON ledger (payment_id) WHERE kind = 'REFUND';

-- Stars received that no invoice can take (an unknown payload, another user's invoice, other terms,
-- or a second charge of a paid invoice): never credited, refunded at once; kept for the admins.
CREATE TABLE payment_anomalies (
    telegram_payment_charge_id  TEXT PRIMARY KEY,
    user_id                     BIGINT      NOT NULL,
    payment_id                  UUID,
    stars                       INTEGER     NOT NULL,
    reason                      TEXT        NOT NULL,
    refunded                    BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at                  TIMESTAMPTZ NOT NULL
);

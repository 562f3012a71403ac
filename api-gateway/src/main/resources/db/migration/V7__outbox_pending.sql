-- The outbox row becomes immutable: what the event is (topic, key, type, payload, created_at) never
-- changes after its INSERT. What is left to do with it lives in a narrow row of its own, written by
-- the same INSERT statement (Outbox.append) and deleted once the broker has acknowledged the event.
--
-- Why: marking a row published used to rewrite the whole ~650-byte tuple and two index entries, about
-- 9 µs of PostgreSQL time a row while draining, more than the producer's whole send. Locking and
-- deleting a ~40-byte row costs half as much (docs/benchmarks.md, outbox). Published = no pending row;
-- published rows stay in outbox for the retention period (OutboxHousekeeping), for admins.
--
-- No foreign key to outbox: its check would lock (FOR KEY SHARE) and so dirty the wide row on every
-- insert. The pending row is only ever written in the same statement as its outbox row, and
-- housekeeping deletes only outbox rows that have no pending row.
DROP INDEX outbox_pending;     -- the old partial index of that name, replaced by the table below
DROP INDEX outbox_published;

CREATE TABLE outbox_pending (
    id            BIGINT      PRIMARY KEY,                -- outbox.id
    available_at  TIMESTAMPTZ NOT NULL,                   -- due again after a failed send's back-off
    attempts      INTEGER     NOT NULL DEFAULT 0,         -- failed sends so far
    blocked       BOOLEAN     NOT NULL DEFAULT FALSE,     -- parked after too many: only an admin re-queues it
    last_error    TEXT
);

INSERT INTO outbox_pending (id, available_at, attempts, blocked, last_error)
SELECT id, available_at, attempts, status = 'BLOCKED', last_error FROM outbox WHERE status <> 'PUBLISHED';

ALTER TABLE outbox
    DROP COLUMN status,
    DROP COLUMN attempts,
    DROP COLUMN last_error,
    DROP COLUMN available_at,
    DROP COLUMN published_at;

-- Housekeeping deletes published rows by age.
CREATE INDEX outbox_created ON outbox (created_at);

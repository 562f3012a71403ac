-- Every admin action on the notifier (re-queueing parked notifications), for the audit trail; the
-- gateway keeps its own admin actions in public.admin_audit, with the same columns.
CREATE TABLE admin_audit (
    id          BIGSERIAL PRIMARY KEY,
    action      TEXT        NOT NULL,
    user_id     BIGINT,
    details     TEXT        NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);

-- An optional per-model limit on one user's active generations (NULL: only the global limit applies).
ALTER TABLE models ADD COLUMN max_active_per_user INTEGER CHECK (max_active_per_user > 0);

-- Every admin action, for the audit trail.
CREATE TABLE admin_audit (
    id          BIGSERIAL PRIMARY KEY,
    action      TEXT        NOT NULL,
    user_id     BIGINT,
    details     TEXT        NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX admin_audit_by_user ON admin_audit (user_id, id DESC);

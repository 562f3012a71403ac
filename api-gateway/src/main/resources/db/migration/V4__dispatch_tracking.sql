-- When the generation's request (or a resume of it) was last handed to the workers; the sweeper
-- re-dispatches generations that show no progress past a threshold.
ALTER TABLE generations ADD COLUMN dispatched_at TIMESTAMPTZ;
UPDATE generations SET dispatched_at = created_at;
ALTER TABLE generations ALTER COLUMN dispatched_at SET NOT NULL;

-- The sweeper's scans touch only open generations.
CREATE INDEX generations_open_by_deadline ON generations (timeout_at) WHERE status IN ('pending', 'processing');
CREATE INDEX generations_open_by_dispatch ON generations (dispatched_at) WHERE status IN ('pending', 'processing');

-- A generation whose ending by the sweeper threw (a hold repaired by hand, say): parked, so that it
-- no longer comes first in every sweep and stops the others; an operator ends it (docs/operations.md).
ALTER TABLE generations ADD COLUMN sweep_parked_at TIMESTAMPTZ;

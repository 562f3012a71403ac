-- A generation that delivers fewer results than were paid for captures the price of those delivered and
-- releases the rest in the same settlement: at most one CAPTURE and one RELEASE row per generation (still
-- never a second capture or a second release).
DROP INDEX ledger_one_settlement_per_generation;
CREATE UNIQUE INDEX ledger_one_capture_one_release_per_generation ON ledger (generation_id, kind)
    WHERE kind IN ('CAPTURE', 'RELEASE');

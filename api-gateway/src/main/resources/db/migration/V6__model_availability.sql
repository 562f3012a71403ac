-- A model whose provider keeps failing (a worker's circuit breaker opened) takes no new starts until
-- unavailable_until: 503 MODEL_UNAVAILABLE. availability_at is the time of the event applied last,
-- so a late or repeated ModelAvailabilityChanged never overwrites a newer one.
ALTER TABLE models
    ADD COLUMN unavailable_until timestamptz,
    ADD COLUMN availability_at   timestamptz;

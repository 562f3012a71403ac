-- Which worker process holds a processing generation, and until when that worker is known alive.
--   generations.worker_id  the worker named by the generation's last GenerationStarted; cleared when the
--                          generation is dispatched again (hand-back, stall, lapsed lease).
--   worker_leases          one row per worker process, renewed by its heartbeats (WorkerHeartbeat); a
--                          processing video whose worker's lease has run out is resumed elsewhere.
ALTER TABLE generations ADD COLUMN worker_id UUID;

CREATE TABLE worker_leases (
    worker_id  UUID PRIMARY KEY,
    renewed_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX generations_processing_worker ON generations (worker_id)
    WHERE status = 'processing' AND provider_task_id IS NOT NULL;

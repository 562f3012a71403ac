-- Whether a granted claim may already have reached the provider.
--   claim_fenced  the claim came from a worker that announces its submissions (GenerationStarted schema 5+):
--                 without submitted_at, its generation was certainly not submitted under that claim.
--   submitted_at  when the claim's worker announced it was submitting (GenerationSubmitting): from then on
--                 no other claim is granted and no hand-back releases the claim.
ALTER TABLE generations ADD COLUMN claim_fenced BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE generations ADD COLUMN submitted_at TIMESTAMPTZ;

-- Claims granted and never submitted, looked up by the sweeper once their worker's lease ran out.
CREATE INDEX generations_claimed_unsent ON generations (worker_id)
    WHERE status IN ('pending', 'processing') AND provider_task_id IS NULL AND submitted_at IS NULL
      AND worker_id IS NOT NULL;

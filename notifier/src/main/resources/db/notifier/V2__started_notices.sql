-- "Your generation started" notices (GenerationProcessing), when the gateway announces them.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check CHECK (kind IN ('STARTED', 'RESULT'));

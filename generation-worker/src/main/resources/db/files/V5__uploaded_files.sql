-- The file store also keeps the images users upload (the gateway's uploads package names them): a row
-- of kind 'upload' has no generation, is never served at /files/<id> and is deleted by the uploads'
-- housekeeping, not by the results' retention purge.
ALTER TABLE result_files ADD COLUMN kind text NOT NULL DEFAULT 'result';
ALTER TABLE result_files ALTER COLUMN generation_id DROP NOT NULL;
ALTER TABLE result_files ADD CONSTRAINT result_files_kind
    CHECK ((kind = 'result' AND generation_id IS NOT NULL) OR (kind = 'upload' AND generation_id IS NULL));

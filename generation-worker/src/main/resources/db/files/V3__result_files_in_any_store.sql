-- Every result is kept (issue 20), not only inline ones: a row holds the file's type and size and
-- names where its bytes are — in the row (postgres) or in the S3 bucket under the file's id (s3).
ALTER TABLE result_files ADD COLUMN size bigint;
ALTER TABLE result_files ADD COLUMN store text NOT NULL DEFAULT 'postgres';
UPDATE result_files SET size = octet_length(content);
ALTER TABLE result_files ALTER COLUMN size SET NOT NULL;
ALTER TABLE result_files ALTER COLUMN content DROP NOT NULL;
ALTER TABLE result_files ADD CONSTRAINT result_files_store
    CHECK ((store = 'postgres' AND content IS NOT NULL) OR (store = 's3' AND content IS NULL));

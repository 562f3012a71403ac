-- Results are PNG, JPEG, WebP or MP4: already compressed. Stored out of line without compression, so
-- the gateway's GET /files can read one 256 KiB slice with substring() without decompressing the
-- whole value for every slice.
ALTER TABLE result_files ALTER COLUMN content SET STORAGE EXTERNAL;

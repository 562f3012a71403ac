-- Results the provider answered inline (b64_json), kept until the retention purge. Written by the
-- workers, read by the gateway's GET /files/{id}. The id is random and unguessable: the URL is the
-- capability (Telegram fetches it without credentials).
CREATE TABLE result_files (
    id            uuid PRIMARY KEY,
    generation_id uuid        NOT NULL,
    content_type  text        NOT NULL,
    content       bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX result_files_created_at ON result_files (created_at);

-- Images a user uploaded (POST /api/uploads) or sent to the bot, for models that take inputs: the uploads
-- package's table. The bytes are in the file store (files.result_files, kind 'upload') under file_id, which
-- is cleared once they are deleted. A row outlives a user's delete until it expires, so the day's count of
-- uploads cannot be reset by deleting them.
CREATE TABLE uploads (
    id            UUID PRIMARY KEY,
    user_id       BIGINT      NOT NULL REFERENCES users (id),
    file_id       UUID,
    content_type  TEXT        NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    width         INTEGER     NOT NULL CHECK (width > 0),
    height        INTEGER     NOT NULL CHECK (height > 0),
    bytes         BIGINT      NOT NULL CHECK (bytes > 0),
    source        TEXT        NOT NULL CHECK (source IN ('app', 'bot')),
    caption       TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    deleted_at    TIMESTAMPTZ
);
-- The caller's list, newest first, and the rolling day's count.
CREATE INDEX uploads_by_user ON uploads (user_id, created_at DESC, id DESC);
-- The housekeeping's scan: rows whose bytes are due to go.
CREATE INDEX uploads_to_clear ON uploads (expires_at) WHERE file_id IS NOT NULL;
CREATE INDEX uploads_deleted ON uploads (deleted_at) WHERE deleted_at IS NOT NULL AND file_id IS NOT NULL;

-- The uploads a generation was started with, in order: a redispatch or a hand-back sends the same ones.
ALTER TABLE generations ADD COLUMN input_ids UUID[] NOT NULL DEFAULT '{}';

-- How many uploaded images a start of the model takes, and the provider parameter they go in:
-- {"min": 0, "max": 0} for text-only models; "param" names the provider's field and "list" says whether
-- it takes a list of URLs (image_urls) or one (image_url).
ALTER TABLE models ADD COLUMN inputs JSONB NOT NULL DEFAULT '{"min": 0, "max": 0}',
    ADD CONSTRAINT models_inputs_shape CHECK (
        jsonb_typeof(inputs -> 'min') = 'number' AND jsonb_typeof(inputs -> 'max') = 'number'
        AND (inputs ->> 'min')::int >= 0 AND (inputs ->> 'max')::int >= (inputs ->> 'min')::int
        AND ((inputs ->> 'max')::int = 0 OR jsonb_typeof(inputs -> 'param') = 'string'));

-- Nano Banana (Google Gemini 2.5 Flash Image): text to image, and edits of 1 to 4 uploaded images; and
-- Kling 2.1 animating one uploaded image. Schemas and limits from the AIML API's documentation of each.
-- An edit's price includes one input; each further input adds a credit.
INSERT INTO models (id, name, kind, provider_model, price, enabled, deadline_seconds, sort_order,
                    params_schema, pinned_params, pricing, inputs) VALUES
    ('nano-banana', 'Nano Banana', 'image', 'google/gemini-2.5-flash-image', 3, TRUE, 180, 12,
     '{"type": "object", "additionalProperties": false,
       "properties": {
         "num_images": {"type": "integer", "minimum": 1, "maximum": 4, "default": 1,
                        "description": "Images to generate; each is paid for."},
         "aspect_ratio": {"type": "string", "default": "1:1",
                          "enum": ["21:9", "1:1", "4:3", "3:2", "2:3", "5:4", "4:5", "3:4", "16:9", "9:16"]}
       }}',
     '{}', '{"per": {"num_images": 1}, "outputs": "num_images"}', '{"min": 0, "max": 0}'),
    ('nano-banana-edit', 'Nano Banana Edit', 'image', 'google/gemini-2.5-flash-image-edit', 3, TRUE, 180, 14,
     '{"type": "object", "additionalProperties": false,
       "properties": {
         "num_images": {"type": "integer", "minimum": 1, "maximum": 4, "default": 1,
                        "description": "Images to generate; each is paid for."},
         "aspect_ratio": {"type": "string", "enum": ["1:1", "9:16", "16:9", "3:4", "4:3"],
                          "description": "Taken from the first photo when not given."},
         "seed": {"type": "integer", "minimum": 0, "maximum": 4294967295}
       }}',
     '{}', '{"per": {"num_images": 1}, "outputs": "num_images", "inputs": {"included": 1, "each": 1}}',
     '{"min": 1, "max": 4, "param": "image_urls", "list": true}'),
    ('kling-photo-video', 'Kling 2.1 Photo to Video', 'video', 'kling-video/v2.1/standard/image-to-video', 30, TRUE, 600, 42,
     '{"type": "object", "additionalProperties": false,
       "properties": {
         "duration": {"type": "integer", "enum": [5, 10], "default": 5,
                      "description": "Seconds of video; the price is per 5 seconds."},
         "negative_prompt": {"type": "string", "maxLength": 2500},
         "cfg_scale": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5}
       }}',
     '{}', '{"per": {"duration": 5}}', '{"min": 1, "max": 1, "param": "image_url", "list": false}');

-- What a start may ask of a model, and what it costs.
--   params_schema  JSON Schema (draft 2020-12) of the params a start may pass; additionalProperties is
--                  always false, so nothing the catalog does not name reaches the provider.
--   pinned_params  sent to the provider with every request of the model, never settable by a user
--                  (the provider's own safety checker stays on).
--   pricing        how params change the price: "per" names a numeric param and how many of its units
--                  the base price (models.price) includes; "factors" multiply by a param's value;
--                  "outputs" names the param that counts the results paid for (default 1).
--                  price = ceil(price x per-value / per-units x every factor).
-- Schemas follow the AIML API's documentation of each model, narrowed where a value would cost us more
-- than we charge (steps, safety tolerance).
ALTER TABLE models
    ADD COLUMN params_schema JSONB NOT NULL
        DEFAULT '{"type": "object", "additionalProperties": false, "properties": {}}',
    ADD COLUMN pinned_params JSONB NOT NULL DEFAULT '{}',
    ADD COLUMN pricing       JSONB NOT NULL DEFAULT '{}',
    ADD CONSTRAINT models_params_closed CHECK (params_schema -> 'additionalProperties' = 'false');

UPDATE models SET
    params_schema = '{
      "type": "object", "additionalProperties": false,
      "properties": {
        "num_images": {"type": "integer", "minimum": 1, "maximum": 4, "default": 1,
                       "description": "Images to generate; each is paid for."},
        "image_size": {"type": "string", "default": "landscape_4_3",
                       "enum": ["square_hd", "square", "portrait_4_3", "portrait_16_9", "landscape_4_3", "landscape_16_9"]},
        "num_inference_steps": {"type": "integer", "minimum": 1, "maximum": 12, "default": 4},
        "seed": {"type": "integer", "minimum": 1, "maximum": 2147483647}
      }}',
    pinned_params = '{"enable_safety_checker": true}',
    pricing = '{"per": {"num_images": 1}, "outputs": "num_images"}'
WHERE id = 'flux-schnell';

UPDATE models SET
    params_schema = '{
      "type": "object", "additionalProperties": false,
      "properties": {
        "num_images": {"type": "integer", "minimum": 1, "maximum": 4, "default": 1,
                       "description": "Images to generate; each is paid for."},
        "image_size": {"type": "string", "default": "landscape_4_3",
                       "enum": ["square_hd", "square", "portrait_4_3", "portrait_16_9", "landscape_4_3", "landscape_16_9"]},
        "output_format": {"type": "string", "enum": ["jpeg", "png"], "default": "jpeg"},
        "safety_tolerance": {"type": "string", "enum": ["1", "2"], "default": "2",
                             "description": "1 is the strictest."},
        "seed": {"type": "integer", "minimum": 1, "maximum": 2147483647}
      }}',
    pinned_params = '{"enable_safety_checker": true}',
    pricing = '{"per": {"num_images": 1}, "outputs": "num_images"}'
WHERE id = 'flux-pro';

UPDATE models SET
    params_schema = '{
      "type": "object", "additionalProperties": false,
      "properties": {
        "size": {"type": "string", "enum": ["1024x1024", "1792x1024", "1024x1792"], "default": "1024x1024",
                 "description": "The wide and tall sizes cost twice the square one."},
        "quality": {"type": "string", "enum": ["standard", "hd"], "default": "standard",
                    "description": "hd costs twice standard."},
        "style": {"type": "string", "enum": ["vivid", "natural"], "default": "vivid"}
      }}',
    pinned_params = '{"n": 1, "response_format": "url"}',
    pricing = '{"factors": {"size": {"1792x1024": 2, "1024x1792": 2}, "quality": {"hd": 2}}}'
WHERE id = 'dall-e-3';

UPDATE models SET
    params_schema = '{
      "type": "object", "additionalProperties": false,
      "properties": {
        "duration": {"type": "integer", "enum": [5, 10], "default": 5,
                     "description": "Seconds of video; the price is per 5 seconds."},
        "aspect_ratio": {"type": "string", "enum": ["16:9", "9:16", "1:1"], "default": "16:9"},
        "negative_prompt": {"type": "string", "maxLength": 2500},
        "cfg_scale": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5}
      }}',
    pricing = '{"per": {"duration": 5}}'
WHERE id = 'kling-video';

UPDATE models SET
    params_schema = '{
      "type": "object", "additionalProperties": false,
      "properties": {
        "aspect_ratio": {"type": "string", "enum": ["16:9", "9:16"], "default": "16:9"},
        "generate_audio": {"type": "boolean", "default": true},
        "enhance_prompt": {"type": "boolean", "default": true},
        "negative_prompt": {"type": "string", "maxLength": 2500},
        "seed": {"type": "integer", "minimum": 0, "maximum": 4294967295}
      }}',
    pinned_params = '{"duration": 8}',
    pricing = '{}'
WHERE id = 'veo-3';

-- How many results a generation paid for: the worker keeps at most these.
ALTER TABLE generations ADD COLUMN outputs INTEGER NOT NULL DEFAULT 1 CHECK (outputs > 0);

-- The worker attempt allowed to submit the generation to the provider (see GenerationTransitions.claim):
-- set by the one conditional pending -> processing UPDATE, cleared when a worker hands the job back
-- before it had a provider task. A cancel wins only while the generation is pending, so a cancelled
-- generation never had a claim, and an unclaimed generation was never submitted.
ALTER TABLE generations ADD COLUMN claim_id UUID;

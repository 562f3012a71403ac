-- pgbench -M prepared (server-side prepared statements, as PgJDBC uses after a few runs): the very
-- statements of one POST /api/generation/start (api-gateway, a signed-in user, no idempotency key,
-- no photos), in the same transaction and the same round trips, against the same schema and
-- indexes. The gateway sends them as StartGeneration does: the reads after the row lock in one
-- round trip (PgJDBC's BEGIN rides with the first), the writes in a second, then COMMIT.
-- Variables: :base (first bench user id), :clients (concurrency); client k starts for its own
-- users k, k + clients, … so that, as in the HTTP load, no two clients contend for one user. The
-- generation's id is made here (the gateway makes it in Java), since a pipeline's results come
-- back only at its end. (In the payload, a colon followed by a letter would be a pgbench variable:
-- hence ": null".)
\set user :base + :client_id + :clients * random(0, 99)
\set g random(1, 281474976710655)
-- TmaAuthentication: the user's row, outside the transaction
SELECT id, first_name, username, language_code, telegram_premium, premium, banned, bot_blocked,
       signed_up_at IS NOT NULL AS signed_up
FROM users WHERE id = :user;
\startpipeline
BEGIN;
SELECT credits_available, credits_held FROM users WHERE id = :user FOR UPDATE;
SELECT id, name, kind, provider_model, price, enabled, deadline_seconds, max_active_per_user,
       unavailable_until, params_schema::text, pinned_params::text, pricing::text, inputs::text
FROM models WHERE id = 'flux-schnell';
SELECT (SELECT count(*) FROM generations WHERE user_id = :user AND status IN ('pending', 'processing')) AS active,
       (SELECT count(*) FROM generations WHERE user_id = :user AND created_at > now() - interval '60 seconds') AS recent,
       (SELECT min(created_at) FROM generations WHERE user_id = :user AND created_at > now() - interval '60 seconds') AS oldest_recent,
       (SELECT count(*) FROM generations WHERE user_id = :user AND model_id = 'flux-schnell' AND status IN ('pending', 'processing')) AS active_on_model;
\endpipeline
\startpipeline
INSERT INTO generations (id, user_id, model_id, prompt, params, input_ids, price, outputs, status, created_at, timeout_at, updated_at, dispatched_at, traceparent)
VALUES (CAST('00000000-0000-4000-8000-' || lpad(to_hex(CAST(:g AS bigint)), 12, '0') AS uuid), :user, 'flux-schnell', 'bench prompt', CAST('{}' AS jsonb), CAST('{}' AS uuid[]), 1, 1, 'pending',
        now(), now() + interval '180 seconds', now(), now(), '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
UPDATE users SET credits_available = credits_available - 1, credits_held = credits_held + 1, updated_at = now()
WHERE id = :user AND credits_available >= 1;
INSERT INTO ledger (user_id, generation_id, payment_id, kind, amount, reason, created_at)
VALUES (:user, CAST('00000000-0000-4000-8000-' || lpad(to_hex(CAST(:g AS bigint)), 12, '0') AS uuid), NULL, 'HOLD', 1, 'generation started', now());
INSERT INTO user_events (user_id, kind) VALUES (:user, 'balance');
INSERT INTO generation_status_history (generation_id, status, reason, at)
VALUES (CAST('00000000-0000-4000-8000-' || lpad(to_hex(CAST(:g AS bigint)), 12, '0') AS uuid), 'pending', 'started by user', now());
INSERT INTO user_events (user_id, kind, generation_id) VALUES (:user, 'generation', CAST('00000000-0000-4000-8000-' || lpad(to_hex(CAST(:g AS bigint)), 12, '0') AS uuid));
WITH event AS (
  INSERT INTO outbox (topic, message_key, event_type, payload, traceparent, created_at)
  VALUES ('nanogen.generation.requests', '00000000-0000-4000-8000-' || lpad(to_hex(CAST(:g AS bigint)), 12, '0'), 'GenerationRequested',
          '{"event_id":"00000000-0000-0000-0000-000000000000","occurred_at":"2026-11-26T00:00:00Z","schema_version":2,"generation_id":"00000000-0000-0000-0000-000000000000","user_id":7000000,"model_id":"flux-schnell","provider_model":"flux/schnell","kind":"IMAGE","prompt":"bench prompt","params":{},"outputs":1,"deadline":"2026-11-26T00:03:00Z","provider_task_id": null,"route": null}',
          '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', now())
  RETURNING id)
INSERT INTO outbox_pending (id, available_at) SELECT id, now() FROM event;
\endpipeline
COMMIT;

-- One trace per generation: the W3C traceparent of the span that wrote a row travels with it.
--   outbox.traceparent       becomes the record's traceparent header (was the correlation id).
--   generations.traceparent  the start request's; what the sweeper's re-dispatches and endings
--                            (timeouts) carry on, so they stay on the generation's trace.
ALTER TABLE outbox RENAME COLUMN correlation_id TO traceparent;
ALTER TABLE generations ADD COLUMN traceparent TEXT;

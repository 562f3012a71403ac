-- A delivery is sent on the generation's trace: the W3C traceparent of the settlement it records
-- (was the correlation id).
ALTER TABLE deliveries RENAME COLUMN correlation_id TO traceparent;

-- "Credits added" notices (PaymentReceived). For a PURCHASE delivery generation_id holds the payment's id:
-- the column is the id of what the notice is about, unique with the kind.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check CHECK (kind IN ('STARTED', 'RESULT', 'PURCHASE'));

-- A refund made outside the bot that could not take every credit back leaves refund_owed on its
-- payment, collected later from the user's next purchases: one payment can have several REFUND rows
-- (reconcile checks that they and refund_owed add up to the payment's credits).
DROP INDEX ledger_one_refund_per_payment;
CREATE INDEX payments_owed ON payments (user_id) WHERE refund_owed > 0;

-- Unpaid invoices by age: how many a user holds, and the purge of those long expired.
CREATE INDEX payments_unpaid ON payments (created_at) WHERE status = 'created';

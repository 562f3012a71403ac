-- When a user first signed in: the sign-up bonus is granted then, once. A row an admin made before
-- (a ban, a premium flag, a grant) has none until the user comes.
ALTER TABLE users ADD COLUMN signed_up_at TIMESTAMPTZ;
UPDATE users SET signed_up_at = created_at
WHERE first_name IS NOT NULL
   OR EXISTS (SELECT 1 FROM ledger l WHERE l.user_id = users.id AND l.reason = 'signup bonus');

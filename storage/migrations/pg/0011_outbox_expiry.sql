-- Outbox rows expire: a message no longer worth sending (a reminder after its deadline,
-- an alert a week old) ends 'expired' instead of being retried for ever. PostgreSQL
-- changes the CHECK constraint in place (SQLite's version rebuilds the table).
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unreachable', 'expired'));
ALTER TABLE outbox ADD COLUMN expires_at TEXT;  -- UTC; NULL: the sender's lifetime for the kind

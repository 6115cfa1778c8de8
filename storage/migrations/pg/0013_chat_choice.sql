-- Where the bot writes to a person on its own (alerts, reminders, announcements) when
-- they have accounts on several channels: the channel they chose, else the one they used
-- last. last_seen_at is written only when it changes that order (see storage/accounts.py).
ALTER TABLE accounts ADD COLUMN last_seen_at TEXT;      -- UTC
UPDATE accounts SET last_seen_at = coalesce(bound_at, created_at);
ALTER TABLE members ADD COLUMN notify_channel TEXT;    -- NULL: the channel used last

-- Outbox rows expire: a message no longer worth sending (a reminder after its deadline,
-- an alert a week old) ends 'expired' instead of being retried for ever. SQLite cannot
-- change a CHECK constraint in place, so the table is rebuilt (same columns, same
-- indexes, plus expires_at); nothing references outbox.
CREATE TABLE outbox_new (
    id            INTEGER PRIMARY KEY,
    dedup_key     TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    ref_id        INTEGER,
    member_id     INTEGER REFERENCES members(id) ON DELETE SET NULL,
    channel       TEXT,
    chat_id       TEXT,
    payload       TEXT NOT NULL,
    attachment_id INTEGER REFERENCES attachments(id),
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unreachable',
                                    'expired')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    TEXT NOT NULL,
    expires_at    TEXT,                     -- UTC; NULL: the sender's lifetime for the kind
    error         TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    sent_at       TEXT
);
INSERT INTO outbox_new (id, dedup_key, kind, ref_id, member_id, channel, chat_id, payload,
                        attachment_id, status, attempts, not_before, error, created_at,
                        updated_at, sent_at)
    SELECT id, dedup_key, kind, ref_id, member_id, channel, chat_id, payload, attachment_id,
           status, attempts, not_before, error, created_at, updated_at, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, not_before);
CREATE INDEX outbox_ref ON outbox (kind, ref_id);
CREATE INDEX outbox_chat ON outbox (channel, chat_id);

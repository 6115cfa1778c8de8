-- Every message the bot sends on its own (broadcasts, reminders, alerts) is first written
-- here, one row per recipient, then a sender drains the table. A crash loses nothing and
-- the unique dedup_key makes "send this once" hold across restarts and processes.
CREATE TABLE attachments (
    id          INTEGER PRIMARY KEY,
    filename    TEXT NOT NULL,
    content     BLOB NOT NULL,
    file_ref    TEXT,                       -- the platform's id once uploaded (reused)
    created_at  TEXT NOT NULL
);

CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    dedup_key     TEXT NOT NULL UNIQUE,     -- e.g. 'broadcast:12:member:34', 'reminder:3:34:d-7'
    kind          TEXT NOT NULL,            -- 'broadcast', 'reminder', 'alert', 'digest', …
    ref_id        INTEGER,                  -- the broadcast / campaign / review it belongs to
    member_id     INTEGER REFERENCES members(id) ON DELETE SET NULL,
    channel       TEXT,                     -- NULL when the member has no chat account
    chat_id       TEXT,
    payload       TEXT NOT NULL,            -- the message (JSON of a Reply, no document bytes)
    attachment_id INTEGER REFERENCES attachments(id),
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unreachable')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    TEXT NOT NULL,            -- UTC; quiet hours and retry backoff move it
    error         TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    sent_at       TEXT
);
CREATE INDEX outbox_due ON outbox (status, not_before);
CREATE INDEX outbox_ref ON outbox (kind, ref_id);

-- Wrong invitation codes per channel, all accounts together: many fresh accounts guessing
-- at once hit this overall limit (kept across restarts, like the per-account lock).
CREATE TABLE invite_channel_failures (
    channel       TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL DEFAULT 0,
    window_start  TEXT NOT NULL,
    locked_until  TEXT
);

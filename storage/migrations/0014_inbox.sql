-- Every update a platform hands over is stored here before it is confirmed to the
-- platform, then handled, then marked done: a crash between two steps loses nothing
-- (pending rows are handled again at start-up). The key is Telegram's update_id or Zalo's
-- message_id, so an update delivered twice is stored, and handled, once. Done rows are
-- pruned after a few days. Replaces zalo_seen (Zalo's claim-before-handle).
CREATE TABLE inbox (
    id           INTEGER PRIMARY KEY,      -- arrival order
    channel      TEXT NOT NULL,
    update_key   TEXT NOT NULL,
    chat_key     TEXT NOT NULL,            -- updates of one chat are handled in order
    payload      TEXT NOT NULL,            -- the update as the platform sent it (JSON)
    received_at  TEXT NOT NULL,            -- UTC
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (channel, update_key)
);
CREATE INDEX inbox_pending ON inbox (channel, state, id);
DROP TABLE zalo_seen;

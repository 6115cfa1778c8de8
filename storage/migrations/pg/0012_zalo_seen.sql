-- Zalo updates carry no update_id: the message ids already handled are kept for a while
-- (pruned after days), so a message the platform delivers again, or after a restart,
-- is answered once.
CREATE TABLE zalo_seen (
    message_id  TEXT PRIMARY KEY,
    seen_at     TEXT NOT NULL            -- UTC
);
CREATE INDEX zalo_seen_at ON zalo_seen (seen_at);

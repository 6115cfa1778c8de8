-- One-time invitation codes that bind a chat account to a member.
CREATE TABLE invites (
    code        TEXT PRIMARY KEY,           -- normalised: upper case, no separators
    member_id   INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    issued_by   INTEGER REFERENCES members(id),
    used_at     TEXT,
    used_by     INTEGER REFERENCES accounts(id),
    revoked_at  TEXT
);
CREATE INDEX invites_by_member ON invites (member_id);

-- Wrong codes per account, to slow down guessing (kept across restarts).
CREATE TABLE invite_failures (
    channel       TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    window_start  TEXT NOT NULL,
    locked_until  TEXT,
    PRIMARY KEY (channel, external_id)
);

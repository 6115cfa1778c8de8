-- Documents offered as links where the platform cannot send files (Zalo): the file as it
-- was when the person asked for it, kept until the link expires. The link's token is not
-- stored, only its SHA-256: someone reading the database cannot open the links.
CREATE TABLE document_links (
    token_hash  TEXT PRIMARY KEY,          -- hex SHA-256 of the token in the URL
    channel     TEXT NOT NULL,             -- the account the link was given to
    user_id     TEXT NOT NULL,
    member_id   INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    filename    TEXT NOT NULL,
    content     BLOB NOT NULL,
    created_at  TEXT NOT NULL,             -- UTC
    expires_at  TEXT NOT NULL              -- UTC; refused from then on, deleted later
);
CREATE INDEX document_links_expiry ON document_links (expires_at);

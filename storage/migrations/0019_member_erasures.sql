-- `kiemdiem member forget`: each erasure of a member's personal data, recorded without
-- the data itself (no name, no date of birth): which member id, when, and by whom or
-- what command. No foreign key: the record outlives whatever happens to the member row.
CREATE TABLE member_erasures (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL,
    erased_at     TEXT NOT NULL,          -- UTC
    requested_by  TEXT NOT NULL,          -- the operator (--by, else the system user)
    command       TEXT NOT NULL           -- e.g. "kiemdiem member forget --id 12"
);
CREATE INDEX member_erasures_by_member ON member_erasures (member_id);

-- Organisation: committees (đảng ủy) have cells (chi bộ); cells have members.
CREATE TABLE committees (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    timezone    TEXT NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
    created_at  TEXT NOT NULL
);

CREATE TABLE cells (
    id            INTEGER PRIMARY KEY,
    committee_id  INTEGER NOT NULL REFERENCES committees(id),
    name          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (committee_id, name)
);

CREATE TABLE members (
    id            INTEGER PRIMARY KEY,
    committee_id  INTEGER NOT NULL REFERENCES committees(id),
    cell_id       INTEGER NOT NULL REFERENCES cells(id),
    full_name     TEXT NOT NULL,
    birth_date    TEXT NOT NULL,            -- ISO date
    workplace     TEXT NOT NULL DEFAULT '',
    form          TEXT NOT NULL CHECK (form IN ('2A', '2B', '2C')),
    party_post    TEXT NOT NULL DEFAULT '',
    other_posts   TEXT NOT NULL DEFAULT '',
    admitted_on   TEXT,                     -- ISO date
    status        TEXT NOT NULL CHECK (status IN ('active', 'probationary', 'exempted', 'suspended')),
    language      TEXT NOT NULL DEFAULT 'vi',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    -- the import key: one person per committee by name and date of birth
    UNIQUE (committee_id, full_name, birth_date)
);
CREATE INDEX members_by_cell ON members (cell_id);

-- Roles beyond plain membership; a secretary's scope is their own cell, an admin's
-- the committee of their cell.
CREATE TABLE member_roles (
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('secretary', 'deputy', 'admin')),
    PRIMARY KEY (member_id, role)
);

-- A chat account on one channel; bound to a member once an invitation is used.
CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,             -- 'telegram', 'zalo', 'console'
    external_id  TEXT NOT NULL,             -- the channel's user id, as text
    chat_id      TEXT NOT NULL,             -- where to send to this account
    member_id    INTEGER REFERENCES members(id),
    language     TEXT,                      -- chosen before binding
    menu         TEXT,                      -- JSON: the choices last offered (text channels)
    created_at   TEXT NOT NULL,
    bound_at     TEXT,
    UNIQUE (channel, external_id)
);
CREATE INDEX accounts_by_member ON accounts (member_id);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

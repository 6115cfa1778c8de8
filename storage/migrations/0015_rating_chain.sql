-- The rating chain after the self-review (domain.md, "Process and calendar"): the level the
-- cell proposes for each member after its meeting, the level the superior committee
-- decides, and the committee's rating of the cell itself. One row per member (or cell) and
-- year; the member's own proposal stays in reviews.level.
CREATE TABLE cell_proposals (
    member_id    INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    year         INTEGER NOT NULL,
    cell_id      INTEGER NOT NULL,
    level        TEXT NOT NULL,               -- a level key of the member's form
    comment      TEXT NOT NULL DEFAULT '',    -- the cell committee's comment, optional
    reason       TEXT NOT NULL DEFAULT '',    -- required when above the member's own level
    source       TEXT NOT NULL DEFAULT 'chat' CHECK (source IN ('chat', 'sheet', 'vote')),
    recorded_by  INTEGER,                     -- members.id of the secretary
    recorded_at  TEXT NOT NULL,               -- UTC
    confirmed_at TEXT,                        -- UTC; NULL while the list is being filled
    PRIMARY KEY (member_id, year)
);
CREATE INDEX cell_proposals_by_cell ON cell_proposals (cell_id, year);

CREATE TABLE committee_decisions (
    member_id    INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    year         INTEGER NOT NULL,
    cell_id      INTEGER NOT NULL,
    level        TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',    -- required when it differs from the cell's
    decided_by   INTEGER,                     -- members.id of the committee admin
    decided_at   TEXT NOT NULL,               -- UTC
    PRIMARY KEY (member_id, year)
);
CREATE INDEX committee_decisions_by_cell ON committee_decisions (cell_id, year);

-- The committee's rating of a cell as a collective (the same four levels).
CREATE TABLE cell_ratings (
    cell_id      INTEGER NOT NULL REFERENCES cells(id) ON DELETE CASCADE,
    year         INTEGER NOT NULL,
    level        TEXT NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    decided_by   INTEGER,
    decided_at   TEXT NOT NULL,
    PRIMARY KEY (cell_id, year)
);

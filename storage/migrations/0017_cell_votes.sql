-- A secret vote at the cell meeting on the level to propose for each member. What was
-- voted is only counted (cell_vote_tallies, no voter); who voted on whom is only noted
-- so nobody votes twice (cell_vote_ballots, no level). Nothing links the two.
CREATE TABLE cell_votes (
    id          INTEGER PRIMARY KEY,
    cell_id     INTEGER NOT NULL REFERENCES cells(id) ON DELETE CASCADE,
    year        INTEGER NOT NULL,
    opened_by   INTEGER,                -- members.id of the secretary
    opened_at   TEXT NOT NULL,          -- UTC
    closed_at   TEXT                    -- UTC; NULL while open
);
CREATE UNIQUE INDEX cell_votes_one_open ON cell_votes (cell_id, year) WHERE closed_at IS NULL;

CREATE TABLE cell_vote_ballots (
    vote_id       INTEGER NOT NULL REFERENCES cell_votes(id) ON DELETE CASCADE,
    voter_id      INTEGER NOT NULL,
    candidate_id  INTEGER NOT NULL,
    PRIMARY KEY (vote_id, voter_id, candidate_id)
);

CREATE TABLE cell_vote_tallies (
    vote_id       INTEGER NOT NULL REFERENCES cell_votes(id) ON DELETE CASCADE,
    candidate_id  INTEGER NOT NULL,
    level         TEXT NOT NULL,
    votes         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (vote_id, candidate_id, level)
);

-- Review campaigns: per committee and year, with deadlines per level and a reminder plan.
-- Dates are local dates in the committee's zone; a deadline day ends at 23:59:59 local.
CREATE TABLE campaigns (
    id                  INTEGER PRIMARY KEY,
    committee_id        INTEGER NOT NULL REFERENCES committees(id),
    name                TEXT NOT NULL,
    year                INTEGER NOT NULL,
    form_version        TEXT NOT NULL,
    opens_on            TEXT NOT NULL,      -- ISO date, local
    cells_deadline      TEXT NOT NULL,      -- ISO date, local: the default for every cell
    committee_deadline  TEXT NOT NULL,      -- ISO date, local
    late_policy         TEXT NOT NULL DEFAULT 'allow' CHECK (late_policy IN ('allow', 'refuse')),
    -- JSON list of {"days": N, "at": "HH:MM"}: N days before the cell's deadline, local time
    reminder_plan       TEXT NOT NULL,
    quiet_start         TEXT NOT NULL DEFAULT '21:00',
    quiet_end           TEXT NOT NULL DEFAULT '07:00',
    status              TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at          TEXT NOT NULL,
    closed_at           TEXT
);
-- At most one open campaign per committee and year, even with two processes.
CREATE UNIQUE INDEX campaigns_one_open ON campaigns (committee_id, year) WHERE status = 'open';

CREATE TABLE campaign_cell_deadlines (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    cell_id      INTEGER NOT NULL REFERENCES cells(id),
    deadline     TEXT NOT NULL,             -- ISO date, local
    PRIMARY KEY (campaign_id, cell_id)
);

-- Who is expected to submit, decided once when the campaign is created.
CREATE TABLE campaign_members (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    cell_id      INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, member_id)
);
CREATE INDEX campaign_members_by_cell ON campaign_members (campaign_id, cell_id);

-- One row per campaign, cell (0: the whole committee) and reminder step once it was
-- enqueued ('done') or given up ('skipped'); written in the transaction of the enqueue.
CREATE TABLE reminder_steps (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    cell_id      INTEGER NOT NULL,
    step         TEXT NOT NULL,             -- 'd7', 'd3', 'd1', 'd0', 'digest', 'summary'
    status       TEXT NOT NULL CHECK (status IN ('done', 'skipped')),
    recipients   INTEGER NOT NULL DEFAULT 0,
    recorded_at  TEXT NOT NULL,
    PRIMARY KEY (campaign_id, cell_id, step)
);

-- The /campaign chat dialogue in progress, per chat account (survives restarts).
CREATE TABLE campaign_drafts (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    data        TEXT NOT NULL,              -- JSON: step and answers so far
    updated_at  TEXT NOT NULL
);

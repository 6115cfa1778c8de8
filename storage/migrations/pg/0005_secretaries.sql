-- Secretaries: how each wants to hear about submissions, and a typed input they were asked
-- for (the comment when returning a review), kept here so a restart does not lose it.
CREATE TABLE alert_prefs (
    member_id    INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    mode         TEXT NOT NULL CHECK (mode IN ('each', 'digest', 'off')),
    digest_hour  INTEGER NOT NULL DEFAULT 17 CHECK (digest_hour BETWEEN 0 AND 23),  -- local
    updated_at   TEXT NOT NULL
);

CREATE TABLE pending_inputs (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,             -- 'return': the next text is a return comment
    ref_id      INTEGER NOT NULL,          -- the review it is about
    created_at  TEXT NOT NULL
);

CREATE INDEX reviews_by_submission ON reviews (submitted_at);

-- A member's self-review for one year, saved at every answer.
CREATE TABLE reviews (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    year            INTEGER NOT NULL,
    form_version    TEXT NOT NULL,          -- kept with the draft: form files may change
    form_code       TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'submitted', 'returned', 'accepted')),
    position        TEXT NOT NULL,          -- the step the member is at
    appending       INTEGER NOT NULL DEFAULT 0,  -- 1: further messages add to the answer
    from_summary    INTEGER NOT NULL DEFAULT 0,  -- 1: editing one item, then back to summary
    level           TEXT,                   -- the proposed quality level
    return_comment  TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    submitted_at    TEXT,
    UNIQUE (member_id, year)
);

CREATE TABLE answers (
    review_id   INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
    item_key    TEXT NOT NULL,              -- a form item, or 'dq.<key>' for the yes/no questions
    text        TEXT NOT NULL DEFAULT '',
    score       INTEGER,
    skipped     INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (review_id, item_key)
);

-- Where the committee signs its papers ("Phường Hòa Bình, ngày … tháng … năm …").
ALTER TABLE committees ADD COLUMN place TEXT NOT NULL DEFAULT '';

-- What a review said when the secretary returned it (answers and proposed level), so the
-- resubmission can show the secretary what changed. Replaced at each return.
CREATE TABLE returned_answers (
    review_id   INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
    item_key    TEXT NOT NULL,
    text        TEXT NOT NULL DEFAULT '',
    score       INTEGER,
    skipped     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (review_id, item_key)
);
ALTER TABLE reviews ADD COLUMN returned_level TEXT;

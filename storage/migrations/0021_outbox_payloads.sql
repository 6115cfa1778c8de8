-- A text sent to many is stored once: a reminder run writes ~66,000 outbox rows for
-- 100,000 members but only a few dozen distinct texts (language × deadline × progress).
-- Such rows point at their text here and keep an empty `payload`; the sender reads the
-- text through payload_id. A column is added (not the table rebuilt), so nothing else
-- about outbox changes.
CREATE TABLE outbox_payloads (
    id          INTEGER PRIMARY KEY,
    payload     TEXT NOT NULL,              -- as outbox.payload: the JSON of a Reply
    created_at  TEXT NOT NULL
);
ALTER TABLE outbox ADD COLUMN payload_id INTEGER REFERENCES outbox_payloads(id);

-- Broadcasts (one row per announcement; its recipients are outbox rows with
-- kind 'broadcast' and ref_id = broadcasts.id), compositions in progress, cell group
-- chats, and who blocked the bot.
ALTER TABLE accounts ADD COLUMN blocked_at TEXT;  -- set when a send got Forbidden

CREATE TABLE broadcasts (
    id                 INTEGER PRIMARY KEY,
    committee_id       INTEGER NOT NULL REFERENCES committees(id),
    author_id          INTEGER REFERENCES members(id) ON DELETE SET NULL,
    text               TEXT NOT NULL,           -- the admin's text as written
    html               INTEGER NOT NULL DEFAULT 0,  -- 1: text is Telegram HTML
    attachment_id      INTEGER REFERENCES attachments(id),
    audience           TEXT NOT NULL,           -- JSON: {"who": …, "cells": […], "groups": …}
    recipients         INTEGER NOT NULL,
    report_channel     TEXT,                    -- where progress and the report go
    report_chat_id     TEXT,
    report_message_id  TEXT,                    -- the progress message, edited in place
    report_language    TEXT NOT NULL DEFAULT 'vi',
    created_at         TEXT NOT NULL,
    finished_at        TEXT
);

-- The composition in progress, one per admin: survives a restart.
CREATE TABLE broadcast_drafts (
    member_id   INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    state       TEXT NOT NULL,                  -- JSON
    updated_at  TEXT NOT NULL
);

-- A cell's group chat, linked by a secretary of that cell (one per cell and channel).
CREATE TABLE cell_groups (
    id         INTEGER PRIMARY KEY,
    cell_id    INTEGER NOT NULL REFERENCES cells(id) ON DELETE CASCADE,
    channel    TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    linked_by  INTEGER REFERENCES members(id) ON DELETE SET NULL,
    linked_at  TEXT NOT NULL,
    UNIQUE (channel, chat_id),
    UNIQUE (cell_id, channel)
);

CREATE INDEX outbox_chat ON outbox (channel, chat_id);

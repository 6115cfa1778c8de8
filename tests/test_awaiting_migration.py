"""Migration 0008: the three "who gets the next text" mechanisms become one state."""

from __future__ import annotations

import json

from storage.db import migrations, open_database
from storage.repos import Repos

T0, T1 = "2026-11-23T02:00:00.000000Z", "2026-11-23T03:00:00.000000Z"


async def test_pending_comments_and_draft_steps_move_to_the_account(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = await open_database(path, upto=7)
    # the people, written with the SQL of that schema (today's repositories know later columns)
    names = ("Trần Văn Đức", "Bùi Thị Mai", "Lê Minh Tuấn")
    async with old.write() as conn:
        await conn.execute("INSERT INTO committees (id, name, created_at) VALUES (1, 'Đảng ủy', ?)",
                           (T0,))
        await conn.execute("INSERT INTO cells (id, committee_id, name, created_at)"
                           " VALUES (1, 1, 'Chi bộ 1', ?)", (T0,))
        for n, name in enumerate(names, start=1):
            await conn.execute(
                "INSERT INTO members (id, committee_id, cell_id, full_name, birth_date, form,"
                " status, created_at, updated_at) VALUES (?, 1, 1, ?, '1970-01-01', '2B',"
                " 'active', ?, ?)", (n, name, T0, T0))
    members = {name: n for n, name in enumerate(names, start=1)}
    async with old.write() as conn:
        for n, name in enumerate(("Trần Văn Đức", "Bùi Thị Mai", "Lê Minh Tuấn"), start=1):
            await conn.execute(
                "INSERT INTO accounts (id, channel, external_id, chat_id, member_id, created_at)"
                " VALUES (?, 'telegram', ?, ?, ?, ?)", (n, str(n), str(n), members[name], T0))
        await conn.execute("INSERT INTO pending_inputs VALUES (1, 'return', 42, ?)", (T0,))
        # the admin: a campaign draft asked earlier, an announcement's text asked later
        await conn.execute("INSERT INTO campaign_drafts VALUES (2, ?, ?)",
                           (json.dumps({"step": "cells", "name": "K"}), T0))
        await conn.execute("INSERT INTO broadcast_drafts VALUES (?, ?, ?)",
                           (members["Bùi Thị Mai"], json.dumps({"step": "text"}), T1))
        await conn.execute("INSERT INTO campaign_drafts VALUES (3, ?, ?)",
                           (json.dumps({"step": "confirm"}), T0))  # buttons only
    await old.close()

    db = await open_database(path)
    try:
        assert await db.schema_version() == migrations()[-1][0]
        accounts = Repos.of(db).accounts
        secretary, admin = await accounts.awaiting(1), await accounts.awaiting(2)
        assert (secretary.capability, secretary.argument) == ("secretary", "42")
        assert (admin.capability, admin.argument) == ("broadcasts", "text")
        assert await accounts.awaiting(3) is None
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master")}
        assert "pending_inputs" not in tables
    finally:
        await db.close()

"""Deleting one member's personal data on request (`kiemdiem member forget`).

What goes: the name (replaced by "#<id>"), date of birth, workplace, posts, date of
admission, the chat accounts (channel ids, chat ids) with their drafts and the updates
received from them, invitation codes, alert settings, roles, the text of every answer (and
of the copy kept when it was returned), of the secretary's return comment and of the
cell's and committee's comments and reasons about them, document links given to them, and
every message queued to them or sent to them (its text and chat id).
What stays, so the cell's and the committee's figures do not change: the member row's id,
cell, form, status and removal date; each review's year, status and level (without the
answers); the levels proposed by the cell and decided by the committee; the member's
place in campaigns; the counts kept by broadcasts and reminders.
Each erasure is recorded in `member_erasures` with the member id, when and by what, never
with the data itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from storage.database import Database, to_db_time

FORGOTTEN_BIRTH_DATE = "1900-01-01"


@dataclass(frozen=True)
class MemberData:
    """What will be deleted, shown to the operator before it is."""

    member_id: int
    full_name: str
    birth_date: str
    cell_name: str
    accounts: int
    invites: int
    reviews: int
    answers: int
    queued: int
    forgotten: bool


class MemberNotFoundError(LookupError):
    pass


async def find_member(db: Database, *, member_id: int | None = None,
                      code: str | None = None, name: str | None = None,
                      born: date | None = None) -> int:
    """The member's id, by id, by an invitation code, or by name and date of birth (the
    importer's key); raises MemberNotFoundError (several matches by name: each id)."""
    if member_id is not None:
        row = await db.fetchone("SELECT id FROM members WHERE id = ?", (member_id,))
    elif code is not None:
        row = await db.fetchone("SELECT member_id FROM invites WHERE code = ?", (code,))
    else:
        rows = await db.fetchall(
            "SELECT id FROM members WHERE full_name = ? AND birth_date = ? ORDER BY id",
            (name, born.isoformat() if born else None))
        if len(rows) > 1:
            raise MemberNotFoundError(", ".join(str(r[0]) for r in rows))
        row = rows[0] if rows else None
    if row is None:
        raise MemberNotFoundError("")
    return int(row[0])


async def member_data(db: Database, member_id: int) -> MemberData:
    row = await db.fetchone(
        "SELECT m.full_name, m.birth_date, c.name AS cell_name,"
        " (SELECT count(*) FROM accounts WHERE member_id = m.id) AS accounts,"
        " (SELECT count(*) FROM invites WHERE member_id = m.id) AS invites,"
        " (SELECT count(*) FROM reviews WHERE member_id = m.id) AS reviews,"
        " (SELECT count(*) FROM answers a JOIN reviews r ON r.id = a.review_id"
        "  WHERE r.member_id = m.id) AS answers,"
        " (SELECT count(*) FROM outbox WHERE member_id = m.id) AS queued,"
        " (SELECT count(*) FROM member_erasures WHERE member_id = m.id) AS forgotten"
        " FROM members m JOIN cells c ON c.id = m.cell_id WHERE m.id = ?", (member_id,))
    if row is None:
        raise MemberNotFoundError("")
    return MemberData(member_id, row["full_name"], row["birth_date"], row["cell_name"],
                      row["accounts"], row["invites"], row["reviews"], row["answers"],
                      row["queued"], bool(row["forgotten"]))


async def forget_member(db: Database, member_id: int, now: datetime, requested_by: str,
                        command: str) -> None:
    """Delete the member's personal data and record that it was done, in one transaction."""
    stamp = to_db_time(now)
    one = (member_id,)
    accounts = "SELECT id FROM accounts WHERE member_id = ?"
    async with db.transaction() as tx:
        chats = await tx.fetchall(
            "SELECT channel, external_id, chat_id FROM accounts WHERE member_id = ?", one)
        for chat in chats:
            await tx.execute("DELETE FROM inbox WHERE channel = ? AND chat_key = ?",
                             (chat["channel"], chat["chat_id"]))
            await tx.execute("DELETE FROM invite_failures WHERE channel = ? AND external_id = ?",
                             (chat["channel"], chat["external_id"]))
        await tx.execute(f"UPDATE invites SET used_by = NULL WHERE used_by IN ({accounts})", one)
        await tx.execute(f"DELETE FROM campaign_drafts WHERE account_id IN ({accounts})", one)
        await tx.execute("DELETE FROM invites WHERE member_id = ?", one)
        await tx.execute("UPDATE invites SET issued_by = NULL WHERE issued_by = ?", one)
        await tx.execute("DELETE FROM accounts WHERE member_id = ?", one)
        await tx.execute("DELETE FROM outbox WHERE member_id = ?", one)
        await tx.execute("DELETE FROM answers WHERE review_id IN"
                         " (SELECT id FROM reviews WHERE member_id = ?)", one)
        await tx.execute("DELETE FROM returned_answers WHERE review_id IN"
                         " (SELECT id FROM reviews WHERE member_id = ?)", one)
        await tx.execute("UPDATE reviews SET return_comment = NULL, updated_at = ?"
                         " WHERE member_id = ?", (stamp, member_id))
        await tx.execute("DELETE FROM document_links WHERE member_id = ?", one)
        # the cell's and the committee's levels stay (figures); the words about them go
        await tx.execute("UPDATE cell_proposals SET comment = '', reason = ''"
                         " WHERE member_id = ?", one)
        await tx.execute("UPDATE committee_decisions SET reason = '' WHERE member_id = ?", one)
        await tx.execute("DELETE FROM cell_vote_ballots WHERE voter_id = ?", one)
        for table in ("member_roles", "alert_prefs", "broadcast_drafts"):
            await tx.execute(f"DELETE FROM {table} WHERE member_id = ?", one)
        await tx.execute("UPDATE broadcasts SET author_id = NULL WHERE author_id = ?", one)
        await tx.execute("UPDATE cell_groups SET linked_by = NULL WHERE linked_by = ?", one)
        await tx.execute(
            "UPDATE members SET full_name = ?, birth_date = ?, workplace = '', party_post = '',"
            " other_posts = '', admitted_on = NULL, notify_channel = NULL, updated_at = ?,"
            " removed_at = coalesce(removed_at, ?) WHERE id = ?",
            (f"#{member_id}", FORGOTTEN_BIRTH_DATE, stamp, stamp, member_id))
        await tx.execute(
            "INSERT INTO member_erasures (member_id, erased_at, requested_by, command)"
            " VALUES (?, ?, ?, ?)", (member_id, stamp, requested_by, command))

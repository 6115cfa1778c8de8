"""Documents kept behind links until the link expires (migration document_links): where a
platform cannot send files, the file is stored here and the person gets a link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Database, from_db_time, to_db_time


@dataclass(frozen=True)
class StoredDocument:
    channel: str        # the account the link was given to
    user_id: str
    member_id: int
    filename: str
    content: bytes
    expires_at: datetime


class DocumentLinkRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, token_hash: str, channel: str, user_id: str, member_id: int,
                  filename: str, content: bytes, now: datetime, expires_at: datetime) -> None:
        """Keep one document; the expired ones are deleted in the same transaction."""
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM document_links WHERE expires_at <= ?",
                             (to_db_time(now),))
            await tx.execute(
                "INSERT INTO document_links (token_hash, channel, user_id, member_id, filename,"
                " content, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (token_hash, channel, user_id, member_id, filename, content, to_db_time(now),
                 to_db_time(expires_at)))

    async def get(self, token_hash: str) -> StoredDocument | None:
        # a committee's .zip may be megabytes: read on the database's thread, not the loop
        rows = await self.db.fetchall_bulk(
            "SELECT channel, user_id, member_id, filename, content, expires_at"
            " FROM document_links WHERE token_hash = ?", (token_hash,))
        if not rows:
            return None
        row = rows[0]
        expires_at = from_db_time(row["expires_at"])
        assert expires_at is not None
        return StoredDocument(row["channel"], row["user_id"], row["member_id"], row["filename"],
                              bytes(row["content"]), expires_at)

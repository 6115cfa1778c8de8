"""Document links over the storage interface (SQLite, and PostgreSQL with
KIEMDIEM_TEST_PG=1): the bytes come back whole, and each refusal has its reason."""

from __future__ import annotations

from datetime import timedelta

from conversations.core.replies import Document
from handlers.document_links import LINK_PATH, DocumentLinks, Refusal
from tests.secretary_helpers import link

CONTENT = bytes(range(256)) * 40 + b"\x00PK\x03\x04"  # every byte value, NULs included


async def test_a_document_is_kept_until_expiry_for_its_account_only(repos, org, clock):
    tuan, mai = org["Lê Minh Tuấn"], org["Bùi Thị Mai"]
    links = DocumentLinks(repos, "https://kiemdiem.example.org/", clock=clock)
    assert await links.give("zalo", "nobody", Document("a.docx", CONTENT)) is None  # unbound

    uid = await link(repos, clock, tuan, "zalo")
    given = await links.give("zalo", uid, Document("bản kiểm điểm.docx", CONTENT))
    assert given is not None and given.expires_at == clock() + timedelta(hours=1)
    assert given.url.startswith("https://kiemdiem.example.org" + LINK_PATH)
    token = given.url.rsplit("/", 1)[1]
    assert await links.open(token) == Document("bản kiểm điểm.docx", CONTENT)
    [stored] = await repos.db.fetchall("SELECT token_hash FROM document_links")
    assert token not in stored["token_hash"]  # only its hash is kept

    other = await links.give("zalo", uid, Document("b.docx", b"other"))
    assert other is not None and other.url != given.url

    account = await repos.accounts.get("zalo", uid)
    await repos.accounts.bind(account.id, mai.id, clock())  # the account now someone else's
    assert await links.open(token) is Refusal.NOT_YOURS
    await repos.accounts.bind(account.id, tuan.id, clock())
    clock.advance(hours=1)
    assert await links.open(token) is Refusal.EXPIRED
    assert await links.open(token[:-1] + "?") is Refusal.UNKNOWN

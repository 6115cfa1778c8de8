"""Documents on Zalo as links: given in the chat over the fake Zalo server, opened over
real HTTP from the bot's own server (polling mode), refused once expired, tampered with,
or when the account it was given to has changed."""

from __future__ import annotations

import io
import re

import docx
import pytest

from bot.http_server import HttpConfig
from handlers.document_links import LINK_PATH
from storage.db import utc_now
from tests.conftest import Chat, Clock
from tests.fakes.zalo_api import FakeZaloApi
from tests.review_helpers import complete_and_submit
from tests.secretary_helpers import link
from tests.test_telegram_runner import org_with_invite
from tests.test_webhook import free_port
from tests.zalo_helpers import Person, http_get, zalo_runtime

LINK = re.compile(r"http://127\.0\.0\.1:\d+/files/\S+")


@pytest.fixture
async def zalo():
    async with FakeZaloApi() as api:
        yield api


@pytest.fixture
async def linked(tmp_path, forms, zalo):
    """The runtime polling Zalo with a public URL; Lê Minh Tuấn on Zalo with his review
    submitted. Yields (runtime, person, member, clock)."""
    path = tmp_path / "bot.sqlite3"
    _code, members = await org_with_invite(path)
    port = free_port()
    clock = Clock(utc_now())
    http = HttpConfig("127.0.0.1", port, public_url=f"http://127.0.0.1:{port}")
    async with zalo_runtime(str(path), forms, zalo, http, clock=clock) as (runtime, channel):
        tuan = members["Lê Minh Tuấn"]
        uid = await link(runtime.repos, clock, tuan, "zalo")
        await complete_and_submit(Chat(runtime.assistant, uid, "zalo"),
                                  forms.get(forms.default_version, tuan.form))
        yield runtime, Person(zalo, channel, uid), tuan, clock


async def _link(person: Person) -> str:
    answer = await person.say("/copy")
    assert "60 phút" in answer and "chỉ dành cho đồng chí" in answer, answer
    [url] = LINK.findall(answer)
    return url


async def test_the_printable_review_is_a_link_that_opens_the_document(linked):
    _runtime, person, _tuan, _clock = linked
    url = await _link(person)

    token = url.split(LINK_PATH)[1]
    assert len(token) == 43 and re.fullmatch(r"[A-Za-z0-9_-]+", token)  # 256 random bits
    # nothing but the random token: no name (base64 has no «ấ»), no id, no query
    assert "Tuấn" not in url and "?" not in url and "/" not in token
    status, body, headers = await http_get(url)
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert ".docx" in headers["Content-Disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(body)).paragraphs)
    assert "Lê Minh Tuấn" in text

    assert await _link(person) != url  # each request gives its own link


async def test_a_link_is_refused_once_expired_or_when_tampered_with(linked):
    _runtime, person, _tuan, clock = linked
    url = await _link(person)
    flipped = url[:-1] + ("A" if url[-1] != "A" else "B")
    for wrong in (flipped, url[:-1], url + "A", url.split(LINK_PATH)[0] + LINK_PATH + "x"):
        status, body, _ = await http_get(wrong)
        assert status == 404 and "không hợp lệ" in body.decode()

    clock.advance(minutes=59)
    assert (await http_get(url))[0] == 200
    clock.advance(minutes=1)
    status, body, _ = await http_get(url)
    assert status == 410 and "đã hết hạn" in body.decode()


async def test_a_link_is_refused_once_its_account_no_longer_belongs_to_the_member(linked):
    runtime, person, tuan, clock = linked
    url = await _link(person)
    await runtime.repos.org.remove_members([tuan.id], clock())  # and his accounts unlinked
    status, body, _ = await http_get(url)
    assert status == 403 and "Lê Minh Tuấn" not in body.decode()


async def test_expired_links_are_deleted_when_new_ones_are_given(linked):
    runtime, person, _tuan, clock = linked
    await _link(person)
    clock.advance(hours=2)
    await _link(person)
    [row] = await runtime.repos.db.fetchall("SELECT count(*) AS n FROM document_links")
    assert row["n"] == 1

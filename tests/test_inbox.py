"""The inbox processor over a real SQLite inbox: chats at once, each chat in order, a
crash-looping update given up after three attempts, pending updates handled at start."""

from __future__ import annotations

import asyncio

from handlers.inbox import InboxProcessor
from storage.inbox import InboxRow, NewUpdate


def updates(*pairs: tuple[str, str]) -> list[NewUpdate]:
    """(chat, text) pairs as updates keyed by their position."""
    return [NewUpdate(f"{chat}-{text}", chat, {"chat": chat, "text": text})
            for chat, text in pairs]


class Recorder:
    """Handles an update by recording it; a chat can be held until released."""

    def __init__(self) -> None:
        self.handled: list[tuple[str, str]] = []
        self.held: dict[str, asyncio.Event] = {}
        self.given_up: list[str] = []

    async def handle(self, row: InboxRow) -> None:
        if (gate := self.held.get(row.chat_key)) is not None:
            await gate.wait()
        self.handled.append((row.chat_key, row.payload["text"]))

    async def give_up(self, row: InboxRow) -> None:
        self.given_up.append(row.payload["text"])


async def test_one_chat_in_order_while_other_chats_go_ahead(repos, clock):
    recorder = Recorder()
    processor = InboxProcessor(repos.inbox, "t", recorder.handle, recorder.give_up,
                               clock=clock)
    recorder.held["slow"] = asyncio.Event()
    stored = await repos.inbox.store("t", updates(
        ("slow", "1"), ("fast", "a"), ("slow", "2"), ("other", "x"), ("fast", "b"),
        ("slow", "3")), clock())
    processor.submit(stored)
    # the slow chat's first update is held: the others are handled meanwhile, in order
    await processor.idle(["fast", "other"])
    assert recorder.handled == [("fast", "a"), ("other", "x"), ("fast", "b")]
    recorder.held["slow"].set()
    await processor.idle()
    assert [text for chat, text in recorder.handled if chat == "slow"] == ["1", "2", "3"]
    assert await repos.inbox.pending("t") == []
    assert await repos.inbox.state("t", "slow-3") == ("done", 1)


async def test_an_update_stored_twice_is_handled_once(repos, clock):
    recorder = Recorder()
    processor = InboxProcessor(repos.inbox, "t", recorder.handle, recorder.give_up,
                               clock=clock)
    processor.submit(await repos.inbox.store("t", updates(("c", "1")), clock()))
    processor.submit(await repos.inbox.store("t", updates(("c", "1"), ("c", "2")), clock()))
    await processor.idle()
    assert recorder.handled == [("c", "1"), ("c", "2")]


async def test_pending_updates_are_handled_first_at_start_in_order(repos, clock):
    stored = await repos.inbox.store("t", updates(("c", "1"), ("d", "x"), ("c", "2")), clock())
    await repos.inbox.begin(stored[0].id)  # the previous run died while handling it
    recorder = Recorder()
    processor = InboxProcessor(repos.inbox, "t", recorder.handle, recorder.give_up,
                               clock=clock)
    await processor.recover()
    await processor.idle()
    assert sorted(recorder.handled) == [("c", "1"), ("c", "2"), ("d", "x")]
    assert [t for chat, t in recorder.handled if chat == "c"] == ["1", "2"]
    assert await repos.inbox.state("t", "c-1") == ("done", 2)


async def test_an_update_that_killed_the_process_three_times_is_given_up(repos, clock):
    [row, _next] = await repos.inbox.store("t", updates(("c", "deadly"), ("c", "next")),
                                           clock())
    for _kill in range(3):  # each run counted its attempt, then died
        await repos.inbox.begin(row.id)
    recorder = Recorder()
    processor = InboxProcessor(repos.inbox, "t", recorder.handle, recorder.give_up,
                               clock=clock)
    await processor.recover()
    await processor.idle()
    assert recorder.given_up == ["deadly"]  # told once, never handled again
    assert recorder.handled == [("c", "next")]
    assert await repos.inbox.state("t", "c-deadly") == ("failed", 4)
    await processor.recover()  # a later start does not tell again
    await processor.idle()
    assert recorder.given_up == ["deadly"]


async def test_an_update_that_keeps_raising_is_tried_three_times_then_given_up(
        repos, clock, caplog):
    tries: list[str] = []
    recorder = Recorder()

    async def failing(row: InboxRow) -> None:
        tries.append(row.payload["text"])
        raise RuntimeError("always")

    processor = InboxProcessor(repos.inbox, "t", failing, recorder.give_up, clock=clock)
    processor.submit(await repos.inbox.store("t", updates(("c", "bad")), clock()))
    await processor.idle()
    assert tries == ["bad"] * 3 and recorder.given_up == ["bad"]
    assert await repos.inbox.state("t", "c-bad") == ("failed", 4)
    assert "RuntimeError" in caplog.text and "always" not in caplog.text


async def test_stop_lets_the_update_in_hand_finish_and_keeps_the_rest_pending(repos, clock):
    recorder = Recorder()
    recorder.held["c"] = asyncio.Event()
    processor = InboxProcessor(repos.inbox, "t", recorder.handle, recorder.give_up,
                               clock=clock)
    processor.submit(await repos.inbox.store("t", updates(("c", "1"), ("c", "2")), clock()))
    await asyncio.sleep(0)  # the worker starts on "1"
    stopping = asyncio.create_task(processor.stop())
    recorder.held["c"].set()
    await stopping
    assert recorder.handled == [("c", "1")]
    assert [row.payload["text"] for row in await repos.inbox.pending("t")] == ["2"]


async def test_an_update_is_answered_even_when_its_bookkeeping_fails(db, repos, clock, caplog):
    recorder = Recorder()
    processor = InboxProcessor(repos.inbox, "t", recorder.handle, recorder.give_up,
                               clock=clock)
    stored = await repos.inbox.store("t", updates(("c", "1"), ("c", "2")), clock())
    async with db.write() as conn:  # the inbox cannot be written any more
        await conn.execute("ALTER TABLE inbox RENAME TO inbox_away")
    try:
        processor.submit(stored)
        await processor.idle()
    finally:  # PostgreSQL's test database is shared by the tests that follow
        async with db.write() as conn:
            await conn.execute("ALTER TABLE inbox_away RENAME TO inbox")
    assert recorder.handled == [("c", "1"), ("c", "2")] and recorder.given_up == []
    assert "inbox bookkeeping failed" in caplog.text

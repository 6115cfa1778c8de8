"""Any JSON as a Zalo update, through the real pipeline (Hypothesis).

`ZaloUpdates.process` (handlers/zalo.py: `event_from_update`, deduplication, the real
Assistant on a real SQLite file, replies over HTTP to the fake Zalo server) gets arbitrary
JSON values and Zalo-shaped updates with any field missing or of the wrong type (ids as
numbers, text as a list, `is_bot` as a string…), wrapped `{ok, result}` or bare. Promises:
nothing raises (neither the parsing nor the dialogue), every update read as a private
message not seen before gets at least one message back with no traceback in it, and
afterwards every stored text is printable and the database consistent.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.assistant import Assistant
from conversations.core.replies import Incoming, Reply
from handlers.zalo import CHANNEL, ZaloUpdates, event_from_update
from handlers.zalo_api import ZaloApi
from tests.fakes.zalo_api import ZALO_TOKEN, FakeZaloApi
from tests.fuzz_helpers import (
    FORMS,
    assert_no_leak,
    assert_stored_texts_sound,
    fuzz_settings,
    open_org,
    texts,
)

PEOPLE = {"secretary": "z-sec", "member": "z-mem", "admin": "z-adm", "stranger": "z-str"}
INVITE = "<the invitation code>"  # replaced by the example's code when sent
EVENTS = ["message.text.received", "message.image.received", "message.sticker.received",
          "message.unsupported.received", "message.voice.received", "", "x"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=8,
)
ABSENT = object()


def field(valid: st.SearchStrategy, *, an_id: bool = False) -> st.SearchStrategy:
    """Mostly a valid value; sometimes absent or any other JSON value (for an id, not a
    bare string with control characters: see the xfail test below)."""
    other = json_values.filter(lambda v: not isinstance(v, str) or v.isprintable()) \
        if an_id else json_values
    return st.one_of(valid, valid, valid, st.just(ABSENT), other)


user_id = st.sampled_from(list(PEOPLE.values()))
zalo_update = st.fixed_dictionaries({
    "event_name": field(st.sampled_from(EVENTS)),
    "from_id": field(user_id | user_id.map(lambda u: int.from_bytes(u.encode(), "big")),
                     an_id=True),
    "display_name": field(texts),
    "is_bot": field(st.booleans() | st.sampled_from(["false", 0, 1])),
    "chat_id": field(st.just("same"), an_id=True),
    "chat_type": field(st.sampled_from(["PRIVATE", "GROUP", "private", ""])),
    "message_id": field(st.text("0123456789abcdef", min_size=1, max_size=4)
                        | st.integers(0, 99), an_id=True),
    "text": field(texts | st.sampled_from(["/start", "/review", "/help", "xong", "1", "2",
                                           INVITE, "/progress", "/broadcast"])),
    "wrapped": st.booleans(),
})


def build(fields: dict, invite_code: str) -> dict:
    sender = {"id": fields["from_id"], "display_name": fields["display_name"],
              "is_bot": fields["is_bot"]}
    chat_id = fields["from_id"] if fields["chat_id"] == "same" else fields["chat_id"]
    chat = {"id": chat_id, "chat_type": fields["chat_type"]}
    text = invite_code if fields["text"] == INVITE else fields["text"]
    message = {"from": present(sender), "chat": present(chat),
               "message_id": fields["message_id"], "date": 1_764_000_000_000, "text": text}
    update = present({"event_name": fields["event_name"], "message": present(message)})
    return {"ok": True, "result": update} if fields["wrapped"] else update


def present(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not ABSENT}


updates = st.one_of(zalo_update, json_values.map(lambda v: ("raw", v)))


async def _run(ops) -> None:
    with tempfile.TemporaryDirectory() as folder:
        org = await open_org(Path(folder), CHANNEL, PEOPLE)
        assistant = Assistant(org.repos, FORMS, clock=org.clock)
        raised: list[BaseException] = []

        async def handle(incoming: Incoming) -> list[Reply]:
            try:
                return await assistant.handle(incoming)
            except Exception as exc:  # ZaloUpdates would hide it behind an apology
                raised.append(exc)
                raise

        try:
            async with FakeZaloApi() as fake, ZaloApi(ZALO_TOKEN, base_url=fake.url) as api:
                pipeline = ZaloUpdates(api, org.repos, handle, clock=org.clock)
                seen: set[str] = set()
                for op in ops:
                    update = op[1] if isinstance(op, tuple) else build(op, org.invite_code)
                    event = event_from_update(update)
                    before = len(fake.sent)
                    await pipeline.process(update)
                    assert not raised, f"the dialogue raised {raised!r} on {update!r}"
                    sent = fake.sent[before:]
                    for message in sent:
                        assert_no_leak(message["text"], update)
                    if event is None or event.message_id in seen:
                        assert not sent, f"answered {update!r}"
                        continue
                    seen |= {event.message_id} - {""}
                    assert [m for m in sent if m["chat_id"] == event.incoming.chat_id], \
                        f"no answer to {update!r}"
            await assert_stored_texts_sound(org)
        finally:
            await org.db.close()


@fuzz_settings(40)
@given(st.lists(updates, min_size=1, max_size=20))
def test_any_json_as_a_zalo_update_never_raises(ops):
    asyncio.run(_run(ops))


VALID = {"event_name": "message.text.received", "from_id": "z-mem", "display_name": "A",
         "is_bot": False, "chat_id": "same", "chat_type": "PRIVATE", "message_id": "m1",
         "text": "/help", "wrapped": False}


@pytest.mark.parametrize("change", [
    {"from_id": "z\x1f"}, {"from_id": "z\ud800"}, {"chat_id": "c\ud800"},
    {"message_id": "m\x00"}, {"message_id": "m\ud800"},
], ids=["control-in-user", "surrogate-in-user", "surrogate-in-chat", "control-in-message",
        "surrogate-in-message"])
def test_a_zalo_id_that_is_not_printable_is_dropped(change):
    asyncio.run(_run([VALID | change]))

"""The outbox keeps each message once, whoever enqueues it and however often."""

from conversations.core.outgoing import decode_reply, encode_reply
from conversations.core.replies import Choice, Reply
from storage.outbox import OutMessage


async def test_enqueue_is_once_per_key_and_unlinked_members_are_unreachable(repos, clock, org):
    member = next(iter(org.values()))
    payload = encode_reply(Reply("Nhắc nộp bản kiểm điểm", ((Choice("Tiếp tục", "rv:toc:x"),),)))
    first = [OutMessage("reminder:1:1:d-7", "reminder", payload, member.id, "telegram", "42", 1),
             OutMessage("reminder:1:2:d-7", "reminder", payload, member.id, None, None, 1)]
    assert await repos.outbox.enqueue(first, clock()) == 2
    assert await repos.outbox.enqueue(first, clock()) == 0  # a second run adds nothing
    counts = await repos.outbox.counts("reminder", 1)
    assert counts["pending"] == 1 and counts["unreachable"] == 1 and counts["sent"] == 0
    row = await repos.outbox.get("reminder:1:1:d-7")
    assert decode_reply(row.payload) == Reply("Nhắc nộp bản kiểm điểm",
                                              ((Choice("Tiếp tục", "rv:toc:x"),),))
    assert (await repos.outbox.get("reminder:1:2:d-7")).error == "not_linked"

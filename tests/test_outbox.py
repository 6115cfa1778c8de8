"""The outbox keeps each message once, whoever enqueues it and however often."""

from conversations.core.outgoing import decode_reply, encode_reply
from conversations.core.replies import Choice, Reply
from storage.outbox import OutMessage
from storage.sending import SendingRepo


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


async def test_a_text_for_many_is_stored_once_and_each_claim_reads_it(repos, clock, org):
    members = list(org.values())[:3]
    shared = encode_reply(Reply("Nhắc: hạn nộp là thứ Hai, 30/11/2026."))
    own = encode_reply(Reply("Bản kiểm điểm đã được trả lại."))
    messages = [OutMessage(f"reminder:1:{m.id}:d3", "reminder", shared, m.id, "telegram",
                           str(100 + n), 1, shared=True) for n, m in enumerate(members)]
    messages.append(OutMessage("alert:9", "alert", own, members[0].id, "telegram", "100", 9))
    assert await repos.outbox.enqueue(messages, clock()) == 4
    stored = await repos.db.fetchall("SELECT payload FROM outbox_payloads")
    assert [r["payload"] for r in stored] == [shared]  # once, not once per member
    claimed = await SendingRepo(repos.db).claim(["telegram"], clock(), 10)
    assert sorted(r.payload for r in claimed) == sorted([shared] * 3 + [own])
    assert {r.payload for r in await repos.outbox.of_ref("reminder", 1)} == {shared}
    assert (await repos.outbox.get(f"reminder:1:{members[1].id}:d3")).payload == shared
    assert (await repos.outbox.get("alert:9")).payload == own


async def test_an_alert_is_claimed_before_a_large_announcement_queued_earlier(repos, clock, org):
    """Deadline evening: 20,000 announcement rows queued first must not hold a submission
    alert until they are all sent."""
    member = next(iter(org.values()))
    text = encode_reply(Reply("Thông báo của Đảng ủy."))
    await repos.outbox.enqueue([
        OutMessage(f"broadcast:1:{n}", "broadcast", text, None, "telegram", str(1000 + n), 1)
        for n in range(40)], clock())
    clock.advance(seconds=5)
    alert = encode_reply(Reply("Đồng chí Nhung đã nộp bản kiểm điểm."))
    await repos.outbox.enqueue([OutMessage("alert:1", "alert", alert, member.id, "telegram",
                                           "100", 1)], clock())
    sending = SendingRepo(repos.db)
    first = await sending.claim(["telegram"], clock(), 10)
    assert "alert:1" in [r.dedup_key for r in first] and len(first) == 10
    rest = await sending.claim(["telegram"], clock(), 100)
    assert len(rest) == 31 and all(r.kind == "broadcast" for r in rest)  # none lost, none twice

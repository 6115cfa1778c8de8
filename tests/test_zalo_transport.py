"""The outbox sender delivering on Zalo through the fake Zalo server: reminders and
announcements as plain text, documents replaced by a sentence, errors as the sender's."""

from conversations.core.outgoing import encode_reply
from conversations.core.replies import Choice, Reply, rows
from handlers.outbox_sender import OutboxSender, SenderConfig
from handlers.zalo_api import ZaloApi
from handlers.zalo_transport import ZaloTransport
from storage.outbox import OutMessage
from storage.sending import SendingRepo
from tests.fakes.zalo_api import ZALO_TOKEN, FakeZaloApi
from tests.sender_helpers import moving_sleep

FAST = SenderConfig(rate=None, private_interval=0.0, group_interval=0.0, base_backoff=0.05,
                    max_backoff=0.2, idle_wait=0.05)


def message(key: str, reply: Reply, chat_id: str, member_id: int | None = None,
            attachment_id: int | None = None) -> OutMessage:
    return OutMessage(key, "test", encode_reply(reply), member_id, "zalo", chat_id, 1,
                      attachment_id)


async def drain(db, repos, zalo: FakeZaloApi, clock, flood_wait: float = 0.01) -> None:
    # the test clock (rows queued "now" are not past their lifetime), moved by the sleeps
    async with ZaloApi(ZALO_TOKEN, base_url=zalo.url, flood_wait=flood_wait) as api:
        await OutboxSender(SendingRepo(db), [ZaloTransport(api, repos)], FAST,
                           clock=clock, sleep=moving_sleep(clock)).drain()


async def test_a_reminder_arrives_as_text_with_numbered_choices(db, repos, clock, org):
    nhung = org["Nguyễn Thị Hồng Nhung"]
    reply = Reply("Đề nghị đồng chí hoàn thành bản kiểm điểm trước ngày 10/12/2026.",
                  rows(Choice("Bản kiểm điểm của tôi", "review")))
    await repos.outbox.enqueue([message("r:1", reply, "z-1", nhung.id)], clock())
    async with FakeZaloApi() as zalo:
        await drain(db, repos, zalo, clock)
    assert zalo.texts_to("z-1") == [
        "Đề nghị đồng chí hoàn thành bản kiểm điểm trước ngày 10/12/2026.\n\n"
        "  1. Bản kiểm điểm của tôi"]
    assert (await repos.outbox.get("r:1")).status == "sent"


async def test_a_long_announcement_with_a_file_is_split_and_the_file_explained(
        db, repos, clock, org):
    attachment = await repos.outbox.add_attachment("huong-dan.pdf", b"%PDF", clock())
    text = "Thông báo của đảng ủy về việc kiểm điểm cuối năm. " * 60  # 3,000 characters
    await repos.outbox.enqueue([message("b:1", Reply(text), "z-2", org["Lê Minh Tuấn"].id,
                                        attachment)], clock())
    async with FakeZaloApi() as zalo:
        await drain(db, repos, zalo, clock)
    texts = zalo.texts_to("z-2")
    assert len(texts) == 3 and all(len(t) <= 2000 for t in texts)
    assert texts[0].endswith("cuối năm.") and texts[1].endswith("cuối năm.")
    assert texts[2].startswith("Không thể gửi tệp «huong-dan.pdf» qua Zalo.")


async def test_blocked_refused_and_quota_answers_as_the_sender_expects(db, repos, clock):
    await repos.outbox.enqueue([message(f"m:{n}", Reply(f"Tin {n}"), f"z-{n}")
                                for n in (1, 2, 3)], clock())
    async with FakeZaloApi() as zalo:
        zalo.fail("sendMessage", status=429)   # m:1 waits, then goes
        zalo.fail("sendMessage", status=403)   # the next one: unreachable, never retried
        zalo.fail("sendMessage", status=200, error_code=400)  # refused inside an HTTP 200
        await drain(db, repos, zalo, clock)
    statuses = sorted([(await repos.outbox.get(f"m:{n}")).status for n in (1, 2, 3)])
    assert statuses == ["failed", "sent", "unreachable"]
    assert len(zalo.sent) == 1


async def test_a_broadcast_progress_is_not_edited_but_its_report_arrives(db, repos):
    async with FakeZaloApi() as zalo, ZaloApi(ZALO_TOKEN, base_url=zalo.url) as api:
        transport = ZaloTransport(api, repos)
        first = await transport.post_status("z-admin", "Đã gửi 10/100", None)
        assert await transport.post_status("z-admin", "Đã gửi 50/100", first) == first
        await transport.post_status("z-admin", "Hoàn thành: 100/100", None)
    assert zalo.texts_to("z-admin") == ["Đã gửi 10/100", "Hoàn thành: 100/100"]
    assert transport.is_group("z-admin") is False

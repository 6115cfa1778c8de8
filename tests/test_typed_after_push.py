"""On a text-only channel a typed number picks from what the person sees last: the
choices of a message the bot pushed (the console as on Zalo), never a confirmation shown
before it — which, after a return, would submit the review again without asking."""

import io
from datetime import UTC, datetime

from conversations.core.replies import Choice, Reply
from conversations.review.actions import Confirm
from handlers.console_transport import ConsoleTransport
from storage.outbox import OutboxRow
from tests.review_helpers import complete_and_submit, data
from tests.secretary_helpers import link


def _row(kind: str, member_id: int, chat_id: str) -> OutboxRow:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    return OutboxRow(1, f"{kind}:1", kind, None, member_id, "console", chat_id, "", None,
                     "sending", 0, now, None, None, now)


async def test_a_pushed_messages_choices_answer_the_next_number(repos, clock, org):
    nhung = org["Nguyễn Thị Hồng Nhung"]
    chat_id = await link(repos, clock, nhung, "console")
    account = await repos.accounts.get("console", chat_id)
    await repos.accounts.set_menu(account.id, {"expects_text": False, "choices": [
        {"action": "old", "keyword": None}]})
    pushed = Reply("Bí thư chi bộ đã trả lại bản kiểm điểm.",
                   ((Choice("Mở bản kiểm điểm của tôi", "review"),),))
    await ConsoleTransport(repos, io.StringIO()).send(_row("returned", nhung.id, chat_id),
                                                      pushed, None)
    account = await repos.accounts.get("console", chat_id)
    assert account.menu["choices"] == [{"action": "review", "keyword": None}]


async def test_a_number_after_submitting_never_confirms_again(
        repos, clock, forms, chat_factory, org):
    nhung = org["Nguyễn Thị Hồng Nhung"]
    chat = chat_factory(await link(repos, clock, nhung, "console"), "console")
    form = forms.get(forms.default_version, nhung.form)
    await complete_and_submit(chat, form)
    review = await repos.reviews.of_member(nhung.id, 2026)
    assert data(Confirm("summary")) not in chat.actions()  # the confirmation is gone
    assert await repos.reviews.return_for_revision(review.id, "Bổ sung.", clock(),
                                                   position="summary")
    clock.advance(hours=1)
    await chat.say("1")
    assert (await repos.reviews.get(review.id)).status == "returned"  # not submitted again

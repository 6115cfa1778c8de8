"""The self-review on Telegram: `kiemdiem run` in its own process against a fake Bot API.

Each step pushes an update, then a sticker as a barrier: updates are handled one after
the other, so once the sticker is answered every reply to the step has been sent.
"""

from __future__ import annotations

import asyncio
import io
import signal
import sys
from dataclasses import dataclass
from datetime import timedelta

import pytest
from docx import Document as open_docx

from conversations.forms.library import BUILTIN_FORMS_DIR, load_forms
from conversations.onboarding.invitations import issue_invite
from conversations.review.actions import (
    Back,
    Confirm,
    Contents,
    Done,
    Goto,
    Propose,
    Skip,
    Submit,
    YesNo,
)
from storage.db import open_database, utc_now
from storage.repos import Repos
from tests.conftest import COMMITTEE, ORG, bot_run_env
from tests.fakes.telegram_api import Call, FakeBotApi
from tests.inbox_helpers import inbox_settled
from tests.review_helpers import SCORES, answer_for, data

BARRIER = "Trợ lý chỉ đọc được tin nhắn dạng chữ."
STALE = "Nút này thuộc bước trước. Đồng chí đang ở:"
PEOPLE = {"2A": "Trần Văn Đức", "2B": "Nguyễn Thị Hồng Nhung", "2C": "Lê Minh Tuấn"}
FORMS = load_forms(BUILTIN_FORMS_DIR)
YEAR = 2026


@dataclass
class Answer:
    """What the bot did in one chat in answer to one step."""

    calls: list[Call]

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def text(self) -> str:
        return "\n".join(c.params["text"] for c in self.calls if "text" in c.params)

    @property
    def buttons(self) -> list[str]:
        return [b["callback_data"] for c in self.calls
                for row in (c.params.get("reply_markup") or {}).get("inline_keyboard", [])
                for b in row]


class TelegramUser:
    def __init__(self, fake: FakeBotApi, user_id: int) -> None:
        self.fake, self.user_id = fake, user_id

    async def say(self, text: str) -> Answer:
        return await self._step(lambda: self.fake.push_message(self.user_id, text))

    async def press(self, data: str, message_id: int | None = None) -> Answer:
        """Press the newest message carrying this button, or the given (old) message."""
        if message_id is None:
            message_id = self.holding(data)[-1]
        strict = message_id in self.holding(data)
        return await self._step(
            lambda: self.fake.push_callback(self.user_id, data, message_id, strict=strict))

    def holding(self, data: str) -> list[int]:
        """Ids of the bot's messages in this chat that show this button now, oldest first."""
        return sorted(
            m["message_id"] for m in self.fake.bot_messages(self.user_id)
            if data in [b.get("callback_data") for row in
                        m.get("reply_markup", {}).get("inline_keyboard", []) for b in row])

    async def _step(self, push) -> Answer:
        mark = len(self.fake.calls)
        push()
        self.fake.push_sticker(self.user_id)
        barrier = await self.fake.wait_for(
            "sendMessage", lambda c: c.params["chat_id"] == self.user_id
            and c.params["text"].startswith(BARRIER), after=mark, timeout=15)
        end = self.fake.calls.index(barrier)
        return Answer([c for c in self.fake.calls[mark:end]
                       if c.params.get("chat_id") == self.user_id
                       or c.method == "answerCallbackQuery"])


@pytest.fixture
async def prepared(tmp_path):
    """The sample organisation and an invitation code for each person."""
    path = tmp_path / "bot.sqlite3"
    db = await open_database(path)
    repos = Repos.of(db)
    committee = await repos.org.ensure_committee(COMMITTEE)
    await repos.org.set_place(committee.id, "Phường Thử Nghiệm")
    await repos.org.apply_import(committee.id, ORG)
    members = {m.full_name: m for m in await repos.org.members_of_committee(committee.id)}
    codes = {}
    for code, name in PEOPLE.items():
        invite = await issue_invite(repos, members[name].id, utc_now(), timedelta(days=30))
        codes[code] = invite.code
    await db.close()
    return path, codes, members


@pytest.fixture
async def start_bot(fake, prepared, tmp_path):
    """Starts `kiemdiem run` on the prepared database; every process is gone afterwards."""
    path = prepared[0]
    processes = []

    async def start():
        env = bot_run_env(fake.url, path)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        processes.append(proc)
        return proc

    yield start
    for proc in processes:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def stored_review(path, member_id):
    db = await open_database(path)
    try:
        return await Repos.of(db).reviews.of_member(member_id, YEAR)
    finally:
        await db.close()


async def bound_user(fake, uid: int, code: str) -> TelegramUser:
    user = TelegramUser(fake, uid)
    welcome = await user.say(f"/start {code}")
    assert "Chào đồng chí" in welcome.text
    return user


def docx_paragraphs(content: bytes) -> list[str]:
    doc = open_docx(io.BytesIO(content))
    cells = [p.text for t in doc.tables for row in t.rows for c in row.cells
             for p in c.paragraphs]
    return [p.text for p in doc.paragraphs] + cells


@pytest.mark.parametrize("code", ["2A", "2B", "2C"])
async def test_whole_review_on_telegram(code, fake, prepared, start_bot):
    path, codes, members = prepared
    member = members[PEOPLE[code]]
    form = FORMS.get(FORMS.default_version, code)
    await start_bot()
    uid = 7000 + int(code[1], 16)
    user = await bound_user(fake, uid, codes[code])

    opened = await user.say("/review")
    first = form.items[0]
    assert f"Bản kiểm điểm năm {YEAR}" in opened.text
    assert first.title("vi") in opened.text
    assert data(Done(first.key)) in opened.buttons

    texts = {item.key: answer_for(item.key) for item in form.items}
    for item, following in zip(form.items[:2], form.items[1:3], strict=True):
        saved = await user.say(texts[item.key])
        assert "Đã lưu (" in saved.text
        button = user.holding(data(Done(item.key)))[-1]
        pressed = await user.press(data(Done(item.key)))
        # the next item replaces the message whose button was pressed
        [edit] = pressed.of("editMessageText")
        assert edit.params["message_id"] == button
        assert following.title("vi") in edit.params["text"]
        assert user.holding(data(Done(following.key)))[-1] == button
        assert not pressed.of("sendMessage")
        assert pressed.of("answerCallbackQuery")

    # back to the second item and rewrite it
    second, third = form.items[1], form.items[2]
    back = await user.press(data(Back(third.key)))
    assert back.of("editMessageText") and second.title("vi") in back.text
    assert "Nội dung đã ghi (" in back.text and texts[second.key] in back.text
    texts[second.key] = "Nội dung sửa lại:\nđã hoàn thành tốt nhiệm vụ được giao."
    await user.say(texts[second.key])
    await user.press(data(Done(second.key)))

    # a button of an earlier step is answered with the current step
    old = user.holding(data(Done(second.key)))
    assert old, "the first message of item 2 keeps its buttons"
    stale = await user.press(data(Done(second.key)), old[0])
    assert STALE in stale.text and third.title("vi") in stale.text
    crafted = await user.press(data(Done(form.items[5].key)), old[0])  # never shown
    assert STALE in crafted.text
    assert (await stored_review(path, member.id)).position == third.key

    for item in form.items[2:]:
        if item.kind == "score":
            break
        if not item.required:
            skipped = await user.press(data(Skip(item.key)))
            assert skipped.of("editMessageText")
            continue
        await user.say(texts[item.key])
        await user.press(data(Done(item.key)))

    general, tasks = form.score_items
    for bad in ("ba mươi", "31", "-1"):
        again = await user.say(bad)
        assert "Điểm phải là số nguyên từ 0 đến 30." in again.text
    assert "B.I.general" not in (await stored_review(path, member.id)).answers
    await user.say(SCORES[general.key])
    await user.say(SCORES[tasks.key])

    first_q, *others = form.disqualifiers
    capped = await user.press(data(YesNo(f"dq.{first_q.key}", "yes")))
    assert capped.of("editMessageText")
    for d in others:
        await user.press(data(YesNo(f"dq.{d.key}", "no")))
    # only the allowed level is offered; a crafted «good» is refused with the reason
    offered = user.holding(data(Propose("level", "not_done")))[-1]
    assert not user.holding(data(Propose("level", "good")))
    level = await user.press(data(Propose("level", "good")), message_id=offered)
    assert ("Không thể đề xuất mức «Hoàn thành tốt nhiệm vụ»: do đồng chí đã trả lời «Có»"
            in level.text)
    # back to the question: «No» lifts the cap, but 85 points do not make «excellent»
    await user.press(data(Contents("level")))
    await user.press(data(Goto("level", f"dq.{first_q.key}")))
    await user.press(data(YesNo(f"dq.{first_q.key}", "no")))
    for d in others:  # opened from the list, the questions are asked in turn
        await user.press(data(YesNo(f"dq.{d.key}", "no")))
    offered = user.holding(data(Propose("level", "good")))[-1]
    refused = await user.press(data(Propose("level", "excellent")), message_id=offered)
    assert ("với tổng điểm 85, mức cao nhất được đề xuất là «Hoàn thành tốt nhiệm vụ»"
            in refused.text)
    summary = await user.press(data(Propose("level", "good")))
    assert texts[second.key] in summary.text
    assert data(Submit("summary")) in summary.buttons

    asked = await user.press(data(Submit("summary")))
    assert asked.of("editMessageText") and data(Confirm("summary")) in asked.buttons
    submitted = await user.press(data(Confirm("summary")))
    assert submitted.of("editMessageText")[0].params["text"].startswith("Đã nộp lúc")
    [sent] = submitted.of("sendDocument")
    filename, content = sent.files["document"]
    assert filename == f"ban-kiem-diem-{YEAR}-{'-'.join(PEOPLE[code].split())}.docx"

    paragraphs = docx_paragraphs(content)
    for section in form.sections:
        assert section.title("vi") in paragraphs
    for item in form.items:
        if item.kind == "text" and item.required:
            for line in texts[item.key].splitlines():
                assert line in paragraphs
    assert paragraphs.count("Không có.") == 2  # sections IV and V, skipped
    assert f"- {general.title('vi')}: 27/30 điểm" in paragraphs
    assert "- Tổng điểm: 85/100 điểm" in paragraphs
    assert "☒ Hoàn thành tốt nhiệm vụ" in paragraphs
    assert "☐ Hoàn thành xuất sắc nhiệm vụ" in paragraphs
    assert PEOPLE[code] in paragraphs and "NGƯỜI TỰ KIỂM ĐIỂM" in paragraphs

    # locked: neither old buttons nor /review change anything
    stored = await stored_review(path, member.id)
    assert stored.status == "submitted" and stored.level == "good"
    late = await user.press(data(Done(second.key)), old[0])
    assert "bản kiểm điểm đã khóa" in late.text
    again = await user.say("/review")
    assert "bản kiểm điểm đã khóa" in again.text
    await user.say("Thêm một đoạn sau khi nộp.")
    assert await stored_review(path, member.id) == stored


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
async def test_a_new_process_resumes_the_dialogue(how, fake, prepared, start_bot):
    path, codes, members = prepared
    member = members[PEOPLE["2B"]]
    form = FORMS.get(FORMS.default_version, "2B")
    proc = await start_bot()
    user = await bound_user(fake, 7100, codes["2B"])
    await user.say("/review")
    for item in form.items[:2]:
        await user.say(answer_for(item.key))
        await user.press(data(Done(item.key)))
    third = form.items[2]
    await user.say("Đoạn đầu viết dở.")
    await user.say("Đoạn thứ hai.")

    proc.send_signal(how)
    await asyncio.wait_for(proc.wait(), timeout=20)
    assert proc.returncode == (0 if how == signal.SIGTERM else -signal.SIGKILL)
    await start_bot()
    await inbox_settled(path)  # an update the kill cut off is answered again first

    resumed = await user.say("/review")
    assert f"Chào đồng chí {member.full_name}. Đồng chí đang làm đến:" in resumed.text
    assert third.title("vi") in resumed.text
    assert "«Đoạn đầu viết dở.\nĐoạn thứ hai.»" in resumed.text
    await user.say("Đoạn thứ ba.")  # still added to the same item
    review = await stored_review(path, member.id)
    assert review.position == third.key
    assert review.answers[third.key].text == "Đoạn đầu viết dở.\nĐoạn thứ hai.\nĐoạn thứ ba."
    for item in form.items[:2]:
        assert review.answers[item.key].text == answer_for(item.key)
    # the buttons sent by the old process still work
    done = await user.press(data(Done(third.key)))
    assert form.items[3].title("vi") in done.text

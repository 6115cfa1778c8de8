"""A whole self-review typed into `kiemdiem demo` (numbers and keywords, no buttons)."""

import io
from datetime import date

from docx import Document as open_docx

from conversations.forms.library import BUILTIN_FORMS_DIR, load_forms
from conversations.forms.rating import review_year
from tests.review_helpers import SCORES, answer_for, type_items
from tests.test_console_demo import _demo

FORMS = load_forms(BUILTIN_FORMS_DIR)
PEOPLE = {  # demo members (bot/demo_members.csv)
    "2A": ("Trần Văn Đức", "CHI BỘ KHU PHỐ 1"),
    "2B": ("Lý Văn Khoa", "CHI BỘ TRƯỜNG THCS HÒA BÌNH"),
    "2C": ("Ngô Văn Hải", "CHI BỘ KHU PHỐ 2"),
}


def typed_review(code: str) -> list[str]:
    """What a member types to fill in and submit a whole form on a text-only channel."""
    form = FORMS.get(FORMS.default_version, code)
    lines = ["/review"]
    for n, item in enumerate(form.items):
        if item.kind == "score":
            lines.append(SCORES[item.key])
        elif not item.required:
            lines.append("bỏ qua")
        else:
            lines += [answer_for(item.key), "Bổ sung thêm một đoạn.", "xong"]
            if n == 1:  # go back once, keep the text with «xong», come forward again
                lines += ["quay lại", "xong"]
    lines += ["2"] * len(form.disqualifiers)  # 1. Có  2. Không
    # level «Hoàn thành tốt nhiệm vụ» (the best listed at 85 points), submit, confirm
    lines += ["1", "1", "1"]
    return lines


def test_three_forms_completed_in_the_console(tmp_path):
    script = []
    unbound = PEOPLE["2B"][0]  # left unlinked by the demo: links with the code first
    for code, (name, _cell) in PEOPLE.items():
        script.append(f"/as {name}" if name != unbound else "/as Khách")
        script += ["{code}"] if name == unbound else []
        script += typed_review(code)
    _banner, out = _demo(tmp_path, lambda code: [line.format(code=code) for line in script])
    assert out.count("Đã nộp lúc") == 3, out[-3000:]
    assert "Đề nghị đồng chí trả lời bằng một số" not in out  # every number was a choice
    year = review_year(date.today())
    folder = tmp_path / "exports" / "console"
    for code, (name, cell) in PEOPLE.items():
        form = FORMS.get(FORMS.default_version, code)
        path = folder / f"ban-kiem-diem-{year}-{'-'.join(name.split())}.docx"
        assert f"[Đã lưu tệp: {path.relative_to(tmp_path)}]" in out
        doc = open_docx(io.BytesIO(path.read_bytes()))
        paragraphs = [p.text for p in doc.paragraphs]
        letterhead = [p.text for c in doc.tables[0].rows[0].cells for p in c.paragraphs]
        assert letterhead[:2] == ["ĐẢNG ỦY PHƯỜNG HÒA BÌNH", cell]
        assert "ĐẢNG CỘNG SẢN VIỆT NAM" in letterhead
        assert any(t.startswith("Phường Hòa Bình, ngày ") for t in letterhead)
        assert form.subtitle("vi") in paragraphs and f"Năm {year}" in paragraphs
        assert f"- Họ và tên: {name}" in paragraphs
        for item in form.items:
            if item.kind == "text" and item.required:
                at = paragraphs.index(answer_for(item.key))
                assert paragraphs[at + 1] == "Bổ sung thêm một đoạn."
        assert paragraphs.count("Không có.") == 2
        assert "- Tổng điểm: 85/100 điểm" in paragraphs
        assert "☒ Hoàn thành tốt nhiệm vụ" in paragraphs
        signature = [p.text for c in doc.tables[-1].rows[0].cells for p in c.paragraphs]
        assert "NGƯỜI TỰ KIỂM ĐIỂM" in signature and name in signature


async def test_questions_and_level_take_typed_words(chat_factory, repos, clock, org, forms):
    """On a text-only channel «có», «không», «quay lại», «danh sách» work at every step."""
    chat = chat_factory("console-nhung")
    account = await repos.accounts.ensure("console", chat.user_id, chat.user_id, clock())
    member = org["Nguyễn Thị Hồng Nhung"]
    await repos.accounts.bind(account.id, member.id, clock())
    form = forms.get(forms.default_version, "2B")
    await type_items(chat, form)
    first, second = (f"dq.{d.key}" for d in form.disqualifiers[:2])
    await chat.say("không")
    await chat.say("quay lại")
    review = await repos.reviews.of_member(member.id, 2026)
    assert review.answers[first].text == "no" and review.position == first
    await chat.say("có")
    review = await repos.reviews.of_member(member.id, 2026)
    assert review.answers[first].text == "yes" and review.position == second
    await chat.say("danh sách")
    assert "Chọn mục cần mở" in chat.text


async def test_skip_or_back_typed_where_not_offered_is_never_saved(chat_factory, repos, clock,
                                                                    org, forms):
    """«bỏ qua» at a required item and «quay lại» at the first one were saved as answers."""
    chat = chat_factory("console-nhung")
    account = await repos.accounts.ensure("console", chat.user_id, chat.user_id, clock())
    member = org["Nguyễn Thị Hồng Nhung"]
    await repos.accounts.bind(account.id, member.id, clock())
    form = forms.get(forms.default_version, "2B")
    first = form.items[0]
    assert first.required
    await chat.say("/review")
    await chat.say("quay lại")
    await chat.say("bỏ qua")
    assert "Mục này bắt buộc" in chat.text
    review = await repos.reviews.of_member(member.id, 2026)
    assert first.key not in review.answers and review.position == first.key
    await chat.say(answer_for(first.key))
    await chat.say("Bỏ qua")  # answered: moves on like «xong», the text stays as written
    review = await repos.reviews.of_member(member.id, 2026)
    assert review.answers[first.key].text == answer_for(first.key)
    assert review.position == form.items[1].key


CONTROL_WORDS = ("1", "Xong.", "xong rồi", "👍", "ok", "99", "9", "có", "ko", "k")


def typed_walk_with_mistakes(code: str) -> list[str]:
    """A whole form typed as an older member would: a stray «1» and «👍», done-words as
    people type them, «quay lại» and an addition, a score refused, a wrong number, a wrong
    «có» corrected from the list of items."""
    form = FORMS.get(FORMS.default_version, code)
    lines = ["/review"]
    for n, item in enumerate(form.items):
        if item.kind == "score":
            lines += ["99", SCORES[item.key] + " điểm"] if n == len(form.items) - 1 \
                else [SCORES[item.key] + " điểm"]
        elif not item.required:
            lines.append("bỏ qua")
        elif n == 0:
            lines += [answer_for(item.key), "1", "👍", "Xong."]
        elif n == 1:
            lines += [answer_for(item.key), "xong rồi", "quay lại", "Bổ sung thêm một đoạn.",
                      "ok"]
        else:
            lines += [answer_for(item.key), "xong"]
    lines += ["9", "có", "ko", "k", "không"]  # a wrong number, then «Có» by mistake
    lines += ["danh sách", str(len(form.items) + 1)]  # back to the questions
    lines += ["không"] * len(form.disqualifiers)
    lines += ["1", "bản nháp", "1", "1"]  # «Hoàn thành tốt nhiệm vụ» (best listed), a draft, submit
    return lines


def test_typed_walks_with_mistakes_end_with_exactly_the_intended_answers(tmp_path):
    script = []
    unbound = PEOPLE["2B"][0]
    for code, (name, _cell) in PEOPLE.items():
        script.append(f"/as {name}" if name != unbound else "/as Khách")
        script += ["{code}"] if name == unbound else []
        script += typed_walk_with_mistakes(code)
    _banner, out = _demo(tmp_path, lambda code: [line.format(code=code) for line in script])
    (tmp_path / "transcript.txt").write_text(out, encoding="utf-8")
    assert out.count("Đã nộp lúc") == 3, out[-3000:]
    assert out.count("Đồng chí muốn lưu «1» làm nội dung mục này") == 3
    assert out.count("đã trả lời «Có» ở câu hỏi 1 («") >= 3
    year = review_year(date.today())
    folder = tmp_path / "exports" / "console"
    for code, (name, _cell) in PEOPLE.items():
        form = FORMS.get(FORMS.default_version, code)
        path = folder / f"ban-kiem-diem-{year}-{'-'.join(name.split())}.docx"
        assert (folder / f"ban-nhap-kiem-diem-{year}-{'-'.join(name.split())}.docx").exists()
        paragraphs = [p.text for p in open_docx(io.BytesIO(path.read_bytes())).paragraphs]
        written = [answer_for(item.key) for item in form.items
                   if item.kind == "text" and item.required]
        written.insert(2, "Bổ sung thêm một đoạn.")
        start = paragraphs.index(written[0])
        answers = [p for p in paragraphs[start:] if p.startswith(("Nội dung mục", "Bổ sung"))]
        assert answers == written  # in order, nothing else written by the member
        assert not set(CONTROL_WORDS) & set(paragraphs)
        assert paragraphs.count("Không có.") == 2
        assert "- Tổng điểm: 85/100 điểm" in paragraphs
        assert "☒ Hoàn thành tốt nhiệm vụ" in paragraphs

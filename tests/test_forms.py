"""Form files: broken ones are refused with the file and the reason; committees adjust them."""

import io
import os
import subprocess
import sys

import pytest
from docx import Document as open_docx

from conversations.assistant import Assistant
from conversations.core.context import AssistantConfig
from conversations.forms.library import BUILTIN_FORMS_DIR, FormError, load_forms
from conversations.review.actions import Back, Confirm, Done, Pick, Propose, Skip, Submit, YesNo
from storage.reviews import Answer
from tests.conftest import Chat
from tests.review_helpers import SCORES, answer_for, data, type_items

BUILTIN = (BUILTIN_FORMS_DIR / "hd43-2025.toml").read_text(encoding="utf-8")
VERSION_LINE = 'version = "hd43-2025"'
CHOICE_ITEM = """
[[items]]
key = "A.VI.meetings"
section = "A.VI"
number = "2"
kind = "choice"
title = { vi = "Mức độ tham gia sinh hoạt chi bộ trong năm", en = "Attendance at cell meetings" }
hint = { vi = "Chọn một mức phù hợp với bản thân.", en = "Choose the one that fits." }
options = [
  { key = "full", label = { vi = "Tham gia đầy đủ", en = "Attended all" } },
  { key = "mostly", label = { vi = "Vắng dưới ba buổi, có lý do", en = "Missed a few, excused" } },
]
"""

# Mẫu 2B's annex of work products: a list item, one short entry per message
PRODUCTS_ITEM = """
[[items]]
key = "A.I.2.products"
forms = ["2B"]
section = "A.I"
kind = "list"
required = false
title = { vi = "Danh mục sản phẩm, công việc chủ yếu trong năm", en = "Main work products" }
hint.vi = "Phụ lục kèm theo mục 2 (nếu có): mỗi sản phẩm, công việc một dòng ngắn."
"""


def own_version(name: str = "dudong-2026", extra: str = "") -> str:
    """A committee's copy of the built-in forms under another version name."""
    assert VERSION_LINE in BUILTIN
    return BUILTIN.replace(VERSION_LINE, f'version = "{name}"') + extra


def write(folder, name: str, text: str):
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


BROKEN = {
    "invalid TOML": (lambda t: t + "\nversion = \n", "not valid TOML"),
    "unknown section": (lambda t: t.replace('section = "A.VI"', 'section = "A.IX"', 1),
                        "unknown section 'A.IX'"),
    "scores not 100": (lambda t: t.replace("max = 70", "max = 60", 1),
                       "the score items add up to 90, not 100"),
    "item twice": (lambda t: t + '\n[[items]]\nkey = "A.III"\nsection = "A.III"\n'
                   'title = "Lặp"\nhint = "Lặp"\n', "item 'A.III' appears twice"),
    "no Vietnamese": (lambda t: t + '\n[[items]]\nkey = "A.X"\nsection = "A.VI"\n'
                      'title = { en = "Only English" }\nhint = "Gợi ý"\n',
                      "item A.X title: needs a Vietnamese text"),
    "score step": (lambda t: t.replace("score_step = 1", "score_step = 0.25", 1),
                   "score_step must be 1 (whole points) or 0.5 (half points)"),
    "levels order": (lambda t: t.replace("min_score = 90", "min_score = 60", 1),
                     "levels must be listed best first"),
    "unknown kind": (lambda t: t.replace('kind = "score"', 'kind = "number"', 1),
                     "kind must be one of text, choice, score"),
    "one option": (lambda t: t + CHOICE_ITEM.replace(
        '  { key = "mostly", label = { vi = "Vắng dưới ba buổi, có lý do", en = "Missed a few, '
        'excused" } },\n', ""), "a choice needs at least two options"),
    # a review button carries two step keys in Telegram's 64 bytes (rv.goto:<from>:<to>)
    "key too long for a button": (
        lambda t: t.replace('key = "A.II.1"', 'key = "A.II.1.thuc-hien-nhiem-vu-xx"', 1),
        "item A.II.1.thuc-hien-nhiem-vu-xx: `key` 'A.II.1.thuc-hien-nhiem-vu-xx' is 28 bytes long; "
        "at most 27 fit in a button"),
    "option key with ':'": (lambda t: t + CHOICE_ITEM.replace('key = "full"', 'key = "a:b"'),
                            "item A.VI.meetings option: `key` 'a:b' must be printable text "
                            "without ':'"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_file_is_refused_with_file_and_reason(case, tmp_path):
    change, reason = BROKEN[case]
    path = write(tmp_path / "forms", "committee.toml", change(own_version()))
    with pytest.raises(FormError) as caught:
        load_forms(BUILTIN_FORMS_DIR, tmp_path / "forms")
    assert caught.value.path == str(path)
    assert reason in caught.value.reason
    assert str(path) in str(caught.value)


def test_the_good_copy_loads(tmp_path):
    """The broken cases above differ from a file that loads only by their change."""
    write(tmp_path / "forms", "committee.toml", own_version(extra=CHOICE_ITEM))
    library = load_forms(BUILTIN_FORMS_DIR, tmp_path / "forms")
    assert library.versions() == ["dudong-2026", "hd43-2025"]


def test_adjustment_changes_the_hint_in_every_form(tmp_path):
    write(tmp_path / "forms", "hints.toml", (
        'adjusts = "hd43-2025"\n'
        '[items."A.I.1"]\n'
        'hint = { vi = "Nêu rõ việc học tập Nghị quyết Đại hội XIV.", '
        'en = "Mention studying the 14th Congress resolution." }\n'
    ))
    library = load_forms(BUILTIN_FORMS_DIR, tmp_path / "forms")
    builtin = load_forms(BUILTIN_FORMS_DIR)
    assert library.default_version == "hd43-2025"
    for code in ("2A", "2B", "2C"):
        form = library.get("hd43-2025", code)
        assert form.item("A.I.1").hint("vi") == "Nêu rõ việc học tập Nghị quyết Đại hội XIV."
        assert form.item("A.I.1").hint("en") == "Mention studying the 14th Congress resolution."
        before = builtin.get("hd43-2025", code)
        assert form.item("A.I.1").title == before.item("A.I.1").title
        assert form.item("A.II.1") == before.item("A.II.1")  # other items untouched


def test_adjusting_an_unknown_item_is_refused(tmp_path):
    path = write(tmp_path / "forms", "hints.toml",
                 'adjusts = "hd43-2025"\n[items."A.IX"]\nhint = "Gợi ý"\n')
    with pytest.raises(FormError) as caught:
        load_forms(BUILTIN_FORMS_DIR, tmp_path / "forms")
    assert caught.value.path == str(path)
    assert caught.value.reason == "item 'A.IX' is not in version 'hd43-2025'"


async def _bound_chat(assistant, repos, clock, member, user_id: str) -> Chat:
    chat = Chat(assistant, user_id, "telegram")
    account = await repos.accounts.ensure("telegram", user_id, user_id, clock())
    await repos.accounts.bind(account.id, member.id, clock())
    return chat


async def test_own_version_becomes_default_and_drafts_keep_theirs(tmp_path, repos, clock, org):
    builtin = load_forms(BUILTIN_FORMS_DIR)
    old = Assistant(repos, builtin, AssistantConfig(), clock)
    nhung = await _bound_chat(old, repos, clock, org["Nguyễn Thị Hồng Nhung"], "u-nhung")
    await nhung.say("/review")
    await nhung.say(answer_for("A.I.1"))
    await nhung.press(data(Done("A.I.1")))

    new_hint = "Gợi ý riêng của Đảng ủy cho mục này."
    write(tmp_path / "forms", "dudong.toml", own_version().replace(
        builtin.get("hd43-2025", "2B").item("A.I.1").hint("vi"), new_hint))
    library = load_forms(BUILTIN_FORMS_DIR, tmp_path / "forms")
    assert library.default_version == "dudong-2026"
    new = Assistant(repos, library, AssistantConfig(), clock)

    nhung.assistant = new
    await nhung.say("/review")  # the draft goes on with the version it was started on
    review = await repos.reviews.of_member(org["Nguyễn Thị Hồng Nhung"].id, 2026)
    assert review.form_version == "hd43-2025"
    assert review.position == "A.I.2"
    await nhung.press(data(Back("A.I.2")))
    assert new_hint not in nhung.text
    assert builtin.get("hd43-2025", "2B").item("A.I.1").hint("vi") in nhung.text

    tuan = await _bound_chat(new, repos, clock, org["Lê Minh Tuấn"], "u-tuan")
    await tuan.say("/review")  # a new draft uses the committee's version
    assert new_hint in tuan.text
    fresh = await repos.reviews.of_member(org["Lê Minh Tuấn"].id, 2026)
    assert fresh.form_version == "dudong-2026"


@pytest.mark.parametrize("command", ["run", "demo"])
def test_cli_refuses_to_start_with_a_broken_form_file(command, tmp_path):
    path = write(tmp_path / "forms", "broken.toml",
                 own_version().replace("max = 70", "max = 60", 1))
    env = {**os.environ, "KIEMDIEM_FORMS_DIR": str(tmp_path / "forms"),
           "TELEGRAM_BOT_TOKEN": "123:anything", "KIEMDIEM_DB": str(tmp_path / "db.sqlite3"),
           "TELEGRAM_API_URL": "http://127.0.0.1:9", "PYTHONIOENCODING": "utf-8"}
    args = ["--db", str(tmp_path / "demo.sqlite3")] if command == "demo" else []
    done = subprocess.run([sys.executable, "-m", "bot", command, *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, encoding="utf-8", input="",
                          timeout=60)
    assert done.returncode == 2, done.stderr
    assert str(path) in done.stderr
    assert "the score items add up to 90, not 100" in done.stderr
    assert "Traceback" not in done.stderr


# a choice item through the dialogue

@pytest.fixture
def choice_forms(tmp_path):
    write(tmp_path / "forms", "choice.toml", own_version("choice-2026", CHOICE_ITEM))
    return load_forms(tmp_path / "forms")


async def test_choice_item_through_the_dialogue(choice_forms, repos, clock, org):
    assistant = Assistant(repos, choice_forms, AssistantConfig(), clock)
    member = org["Nguyễn Thị Hồng Nhung"]
    chat = await _bound_chat(assistant, repos, clock, member, "u-choice")
    form = choice_forms.get("choice-2026", "2B")
    assert [i.key for i in form.items if i.section == "A.VI"] == [
        "A.VI", "A.annex.products", "A.VI.meetings"]  # 2B's annex is asked after part A

    async def review():
        return await repos.reviews.of_member(member.id, 2026)

    await chat.say("/review")
    for item in form.items:
        if item.kind == "choice":
            break
        if item.required:
            await chat.say(answer_for(item.key))
            await chat.press(data(Done(item.key)))
        else:
            await chat.press(data(Skip(item.key)))
    step = "A.VI.meetings"
    assert (await review()).position == step
    assert "Mức độ tham gia sinh hoạt chi bộ trong năm" in chat.text
    assert data(Pick(step, "full")) in chat.actions()
    assert data(Pick(step, "mostly")) in chat.actions()
    assert data(Done(step)) not in chat.actions()  # nothing to write here

    await chat.say("Tham gia đầy đủ")  # typed instead of pressed: asked to choose
    assert "Đề nghị đồng chí chọn một trong các mục dưới đây." in chat.text
    assert data(Pick(step, "full")) in chat.actions()
    assert step not in (await review()).answers

    await chat.press(data(Pick("A.VI", "full")))  # a button of the previous step
    assert "Nút này thuộc bước trước." in chat.text
    assert data(Pick(step, "full")) in chat.actions()
    await chat.press(data(Pick(step, "sometimes")))  # no such option
    assert step not in (await review()).answers
    assert (await review()).position == step

    await chat.press(data(Pick(step, "mostly")))
    current = await review()
    assert current.answers[step] == Answer("mostly")
    assert current.position == "B.I.general"
    await chat.press(data(Pick(step, "full")))  # stale: already moved on
    assert "Nút này thuộc bước trước." in chat.text
    assert "B.I.general" in " ".join(chat.actions())  # the current step is shown again
    assert (await review()).answers[step] == Answer("mostly")

    for score in SCORES.values():
        await chat.say(score)
    for d in form.disqualifiers:
        await chat.press(data(YesNo(f"dq.{d.key}", "no")))
    await chat.press(data(Propose("level", "good")))
    assert "Vắng dưới ba buổi, có lý do" in chat.text  # the summary shows the label
    assert "mostly" not in chat.text
    await chat.press(data(Submit("summary")))
    await chat.press(data(Confirm("summary")))
    document = next(r.document for r in chat.last if r.document)
    paragraphs = [p.text for p in open_docx(io.BytesIO(document.content)).paragraphs]
    assert "2. Mức độ tham gia sinh hoạt chi bộ trong năm" in paragraphs
    at = paragraphs.index("2. Mức độ tham gia sinh hoạt chi bộ trong năm")
    assert paragraphs[at + 1] == "Vắng dưới ba buổi, có lý do"


async def test_half_points_where_the_form_allows_them(tmp_path, repos, clock, org):
    """A committee scoring in halves: «27,5» and «57,5 điểm» typed, 85 in the copy."""
    write(tmp_path / "forms", "halves.toml",
          own_version("halves-2026").replace("score_step = 1", "score_step = 0.5", 1))
    library = load_forms(BUILTIN_FORMS_DIR, tmp_path / "forms")
    assert {item.step for item in library.get("halves-2026", "2B").score_items} == {0.5}
    assert {item.step for item in library.get("hd43-2025", "2B").score_items} == {1}
    assistant = Assistant(repos, library, AssistantConfig(), clock)
    member = org["Nguyễn Thị Hồng Nhung"]
    chat = Chat(assistant, "console-halves", "console")
    account = await repos.accounts.ensure("console", chat.user_id, chat.user_id, clock())
    await repos.accounts.bind(account.id, member.id, clock())
    form = library.get("halves-2026", "2B")
    await chat.say("/review")
    for item in form.text_items:
        await chat.say(answer_for(item.key) if item.required else "bỏ qua")
        if item.required:
            await chat.say("xong")
    await chat.say("27,3")
    assert "nửa điểm" in chat.text and "«27,5»" in chat.text
    await chat.say("27,5")
    await chat.say("57.5 điểm")
    review = await repos.reviews.of_member(member.id, 2026)
    assert [review.answers[i.key].score for i in form.score_items] == [27.5, 57.5]
    for _question in form.disqualifiers:
        await chat.say("không")
    assert "Tổng điểm: 85/100" in chat.text and "Nhóm tiêu chí chung 27,5/30" in chat.text
    for choice in ("2", "1", "1"):  # «Hoàn thành tốt nhiệm vụ», submit, confirm
        await chat.say(choice)
    copy = next(reply.document for reply in chat.last if reply.document)
    paragraphs = [p.text for p in open_docx(io.BytesIO(copy.content)).paragraphs]
    assert "- Nhóm tiêu chí chung: 27,5/30 điểm" in paragraphs
    assert "- Tổng điểm: 85/100 điểm" in paragraphs


async def test_a_list_item_is_typed_entry_by_entry_and_printed_as_a_table(tmp_path, repos,
                                                                          clock, org):
    """Mẫu 2B's annex: several short entries, shown in the summary, a table in the annex."""
    write(tmp_path / "forms", "annex.toml", own_version("annex-2026", PRODUCTS_ITEM))
    library = load_forms(BUILTIN_FORMS_DIR, tmp_path / "forms")
    form = library.get("annex-2026", "2B")
    assert "A.I.2.products" not in [i.key for i in library.get("annex-2026", "2C").items]
    member = org["Nguyễn Thị Hồng Nhung"]
    chat = Chat(Assistant(repos, library, AssistantConfig(), clock), "console-annex", "console")
    account = await repos.accounts.ensure("console", chat.user_id, chat.user_id, clock())
    await repos.accounts.bind(account.id, member.id, clock())
    entries = ["Báo cáo tổng kết năm; đúng hạn; đạt yêu cầu",
               "Kế hoạch tiêm chủng quý IV; chậm 5 ngày; đạt yêu cầu"]
    await type_items(chat, form)  # the optional list skipped: back to it from the list
    await chat.say("danh sách")
    await chat.say(str(form.position("A.I.2.products") + 1))
    await chat.say("x" * 201)  # not one short line: refused, nothing saved
    assert "một dòng ngắn" in chat.text
    await chat.say(entries[0])
    await chat.say("👍")  # a stray reply is asked about, never an entry
    await chat.say(entries[1])
    await chat.say("xong")
    review = await repos.reviews.of_member(member.id, 2026)
    assert review.answers["A.I.2.products"].text == "\n".join(entries)
    for _question in form.disqualifiers:
        await chat.say("không")
    await chat.say("2")  # the summary lists the entries
    assert f"1. {entries[0]}\n2. {entries[1]}" in chat.text
    for choice in ("1", "1"):  # submit, confirm
        await chat.say(choice)
    copy = next(reply.document for reply in chat.last if reply.document)
    doc = open_docx(io.BytesIO(copy.content))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "PHỤ LỤC" in paragraphs
    body = list(doc.element.body.iterchildren())
    annex_title = next(p for p in doc.paragraphs if p.text == "PHỤ LỤC")
    signature = doc.tables[-2]
    assert "NGƯỜI TỰ KIỂM ĐIỂM" in signature.rows[0].cells[1].text
    assert body.index(annex_title._p) > body.index(signature._tbl)  # after the signature
    annex = [[cell.text for cell in row.cells] for row in doc.tables[-1].rows]
    assert annex == [["STT", "Sản phẩm, công việc", "Tiến độ", "Chất lượng"],
                     ["1", "Báo cáo tổng kết năm", "đúng hạn", "đạt yêu cầu"],
                     ["2", "Kế hoạch tiêm chủng quý IV", "chậm 5 ngày", "đạt yêu cầu"]]

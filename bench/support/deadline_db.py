"""The deadline evening's database: 20,000 members of one committee (300 cells), each with
a Telegram account; three quarters submitted with long Vietnamese answers, one in twelve a
draft half done, a campaign open; the members who answer during the run have no review yet.

Built once with executemany and kept as a template under /tmp (never in git); each run
works on a copy. The template's name carries the day it was built: the campaign's dates
follow the real clock that `kiemdiem run` uses.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from bench.support.committee import insert_cells_and_members
from conversations.campaigns.rules import CampaignRequest, create_campaign
from conversations.forms.library import FormDef, FormLibrary
from conversations.review import steps as rs
from storage.db import open_database, to_db_time, utc_now
from storage.repos import Repos

CELLS = 300
CACHE = Path("/tmp/kiemdiem-bench-cache")
SENTENCES = (
    "Bản thân luôn giữ vững lập trường chính trị, tuyệt đối trung thành với mục tiêu, lý "
    "tưởng của Đảng, kiên định chủ nghĩa Mác - Lênin và tư tưởng Hồ Chí Minh.",
    "Chấp hành nghiêm chủ trương, đường lối của Đảng, chính sách, pháp luật của Nhà nước và "
    "các quy định của địa phương nơi cư trú.",
    "Trong năm đã hoàn thành tốt nhiệm vụ chuyên môn được giao, chủ động đề xuất giải pháp "
    "nâng cao chất lượng phục vụ người dân, không để tồn đọng hồ sơ quá hạn.",
    "Giữ gìn phẩm chất đạo đức, lối sống trong sạch, giản dị; không tham nhũng, lãng phí; "
    "đoàn kết, thương yêu, giúp đỡ đồng chí, đồng nghiệp.",
    "Tham gia đầy đủ các buổi sinh hoạt chi bộ, đóng đảng phí đúng quy định, thực hiện "
    "nghiêm nguyên tắc tập trung dân chủ, tự phê bình và phê bình.",
    "Hạn chế: đôi lúc chưa sắp xếp thời gian hợp lý giữa công tác chuyên môn và công tác "
    "đoàn thể; việc nghiên cứu, học tập nghị quyết có lúc chưa sâu.",
    "Biện pháp khắc phục: xây dựng kế hoạch công tác cụ thể theo tháng, dành thời gian tự "
    "học tập, nghiên cứu các văn bản mới của Đảng và Nhà nước.",
    "Thường xuyên giữ mối liên hệ với cấp ủy nơi cư trú, gương mẫu thực hiện nghĩa vụ công "
    "dân, vận động gia đình chấp hành tốt các quy định của khu dân cư.",
)


def answer_text(member: int, item: int, sentences: int = 5) -> str:
    """A realistic answer (~700 characters, Vietnamese), different per member and item."""
    start = (member * 7 + item * 3) % len(SENTENCES)
    picked = [SENTENCES[(start + k) % len(SENTENCES)] for k in range(sentences)]
    return f"Mục {item + 1}, đảng viên số {member}: " + " ".join(picked)


def active_members(members: int, count: int) -> list[int]:
    """Those who answer during the run: spread over the cells, none a secretary or the
    admin (members 1…CELLS+1), none with a review."""
    step = (members - CELLS - 1) // count
    return list(range(CELLS + 2 + step // 2, members + 1, step))[:count]


def _answers(form: FormDef, member: int, half: bool, stamp: str) -> Iterator[tuple]:
    items = form.items[: len(form.items) // 2] if half else form.items
    for index, item in enumerate(items):
        if item.kind == "score":
            yield member, item.key, "", 27 if item.key.endswith("general") else 58, 0, stamp
        elif item.kind == "list" or not item.required:
            yield member, item.key, "", None, 1, stamp
        else:
            yield member, item.key, answer_text(member, index), None, 0, stamp
    if not half:
        for d in form.disqualifiers:
            yield member, rs.DQ + d.key, "no", None, 0, stamp


async def build(path: Path, forms: FormLibrary, members: int, active: list[int]) -> None:
    db = await open_database(path)
    repos = Repos.of(db)
    now = utc_now()
    stamp = to_db_time(now)
    form = forms.get(forms.default_version, "2B")
    committee = await repos.org.ensure_committee("Đảng ủy Bench")

    def earlier(member: int) -> str:  # submitted days ago: their alerts went out then
        return to_db_time(now - timedelta(days=3 + member % 20))

    idle = [m for m in range(1, members + 1) if m not in set(active)]
    submitted = [m for m in idle if m % 4]
    drafts = [m for m in idle if m % 4 == 0 and m % 3 == 0]
    async with repos.db.transaction() as tx:
        await insert_cells_and_members(tx, committee.id, CELLS, members, stamp)
        await tx.executemany(  # one secretary per cell (member c is in cell c % CELLS + 1)
            "INSERT INTO member_roles (member_id, role) VALUES (?, ?)",
            [(c, "secretary") for c in range(1, CELLS + 1)] + [(CELLS + 1, "admin")])
        await tx.executemany(
            "INSERT INTO accounts (channel, external_id, chat_id, member_id, created_at,"
            " bound_at) VALUES ('telegram', ?, ?, ?, ?, ?)",
            [(str(m), str(m), m, stamp, stamp) for m in range(1, members + 1)])
        await tx.executemany(
            "INSERT INTO reviews (id, member_id, year, form_version, form_code, status,"
            " position, level, submitted_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, '2B', ?, ?, ?, ?, ?, ?)",
            [(m, m, now.year, form.version, "submitted", rs.SUMMARY, "good", earlier(m), stamp,
              stamp) for m in submitted] +
            [(m, m, now.year, form.version, "draft", form.items[len(form.items) // 2].key,
              None, None, stamp, stamp) for m in drafts])
        await tx.executemany(
            "INSERT INTO answers (review_id, item_key, text, score, skipped, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (row for m in submitted + drafts
             for row in _answers(form, m, m % 4 == 0, stamp)))
    today = date.today()
    await create_campaign(repos, forms, committee, CampaignRequest(
        f"Kiểm điểm năm {now.year}", today + timedelta(days=20), today + timedelta(days=25)),
        now)
    await db.close()


def _template(members: int, active: int) -> tuple[Path, Path | None]:
    """The template's path, and where to build it when it is missing (older ones go)."""
    CACHE.mkdir(exist_ok=True)
    template = CACHE / f"deadline-{members}-{active}-{date.today()}.sqlite3"
    if template.exists():
        return template, None
    for old in CACHE.glob(f"deadline-{members}-*"):
        old.unlink()
    return template, template.with_suffix(".partial")


async def prepared_copy(forms: FormLibrary, members: int, active: list[int],
                        target: Path) -> tuple[Path, float | None]:
    """A fresh copy of the template at `target`; builds the template when missing (then
    also returns how long the build took)."""
    template, partial = _template(members, len(active))
    built = None
    if partial is not None:
        started = time.perf_counter()
        await build(partial, forms, members, active)
        built = time.perf_counter() - started
        partial.rename(template)
    shutil.copyfile(template, target)
    return target, built

"""A SQLite database with something in every corner (members, chat accounts, invitation
codes, reviews with Vietnamese answers, a return comment, a campaign, a broadcast and its
outbox rows, an attachment), for the data-care commands."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.demo_reviews import sample_review
from conversations.forms.library import BUILTIN_FORMS_DIR, load_forms
from conversations.onboarding.invitations import ensure_invites
from storage.broadcasts import NewAttachment
from storage.campaigns import NewCampaign
from storage.db import open_database
from storage.outbox import OutMessage
from storage.ratings import NewProposal
from storage.repos import Repos
from tests.conftest import COMMITTEE, ORG

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
RETURN_COMMENT = "Đồng chí bổ sung phần ưu điểm, khuyết điểm."
CELL_COMMENT = "Chi ủy nhận xét: đồng chí còn chậm nộp báo cáo."
NHUNG = "Nguyễn Thị Hồng Nhung"


async def fill(path: Path) -> dict[str, str]:
    """Writes the database at `path`; returns what identifies Nhung (her id, chat id,
    invitation code, birth date) and the text of one of her answers."""
    db = await open_database(path)
    try:
        repos = Repos.of(db)
        forms = load_forms(BUILTIN_FORMS_DIR)
        committee = await repos.org.ensure_committee(COMMITTEE)
        await repos.org.apply_import(committee.id, ORG)
        people = {m.full_name: m for m in await repos.org.members_of_committee(committee.id)}
        for member in people.values():
            account = await repos.accounts.ensure("telegram", f"u{member.id}",
                                                  f"{9000 + member.id}", NOW)
            await repos.accounts.bind(account.id, member.id, NOW)
        listed = await ensure_invites(repos, list(people.values()), NOW, timedelta(days=30))
        codes = {item.member.full_name: item.invite.code for item in listed}
        reviews = {}
        for name in (NHUNG, "Lê Minh Tuấn", "Đặng Quốc Bảo"):
            reviews[name] = await sample_review(repos, forms, people[name], NOW)
        await repos.reviews.return_for_revision(reviews[NHUNG].id, RETURN_COMMENT, NOW,
                                                position="summary")
        await repos.ratings.propose(people[NHUNG].cell_id, 2026, [
            NewProposal(people[NHUNG].id, "good", comment=CELL_COMMENT)], source="chat",
            by=None, now=NOW)
        await repos.campaigns.create(NewCampaign(
            committee.id, "Kiểm điểm năm 2026", 2026, forms.default_version,
            date(2026, 11, 20), date(2026, 12, 10), date(2026, 12, 20),
        ), [(m.id, m.cell_id) for m in people.values()], NOW)
        author = people["Bùi Thị Mai"]
        await repos.broadcasts.create(
            committee_id=committee.id, author_id=author.id, text="Hướng dẫn số 12 về hạn nộp",
            html=False, attachment=NewAttachment("hd12.pdf", b"%PDF-1.4 hd", None),
            audience={"who": "all"}, report=None, now=NOW,
            messages=lambda broadcast, attachment: [OutMessage(
                f"broadcast:{broadcast}:{m.id}", "broadcast", '{"text": "Hướng dẫn số 12"}',
                m.id, "telegram", f"{9000 + m.id}", broadcast, attachment,
            ) for m in people.values()],
        )
        nhung = people[NHUNG]
        answer = (await db.fetchone(
            "SELECT a.text FROM answers a JOIN reviews r ON r.id = a.review_id"
            " WHERE r.member_id = ? AND a.text LIKE 'Đồng chí%'", (nhung.id,)))["text"]
    finally:
        await db.close()
    return {"id": str(nhung.id), "chat_id": f"{9000 + nhung.id}", "code": codes[NHUNG],
            "born": "1985-07-02", "name": NHUNG, "answer": answer}

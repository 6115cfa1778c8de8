"""Talking as on a text-only channel (the console, Zalo): choices are typed as numbers."""

from tests.secretary_helpers import link


async def console(repos, clock, chat_factory, member):
    """A console chat linked to the member."""
    return chat_factory(await link(repos, clock, member, "console"), "console")


async def choose(chat, label_part: str) -> None:
    """Type the number of the last reply's choice whose label contains `label_part`."""
    labels = [c.label for c in chat.last[-1].flat_choices]
    await chat.say(str(next(n for n, label in enumerate(labels, 1) if label_part in label)))


async def create_campaign(admin, cells: str, committee: str) -> None:
    """The admin creates «Kiểm điểm năm 2026» with these deadlines, typing."""
    await admin.say("/campaign")
    await choose(admin, "Tạo đợt mới")
    for answer in ("Kiểm điểm năm 2026", cells, committee):
        await admin.say(answer)
    await choose(admin, "Tạo")

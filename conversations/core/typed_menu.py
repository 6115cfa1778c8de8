"""What a typed number or keyword picks on text-only channels (Zalo, the console): the
choices of the last message that offered some, kept on the person's account."""

from __future__ import annotations

from collections.abc import Sequence

from conversations.core.actions import SEPARATOR
from conversations.core.replies import Reply
from storage.repos import Repos


def typed_menu(replies: Sequence[Reply]) -> dict | None:
    """The menu these replies leave; None when they leave the last one standing (a plain
    notice such as "I can only read text")."""
    offered = next((r for r in reversed(replies) if r.choices), None)
    if offered is not None:
        return {"expects_text": offered.expects_text,
                "choices": [{"action": c.action, "keyword": c.keyword}
                            for c in offered.flat_choices]}
    if replies and replies[-1].expects_text:
        return {"expects_text": True, "choices": []}
    return None


def holds_task(menu: dict) -> bool:
    """The menu is a numbered step of a task (a draft, a ballot, a list of proposals): it
    offers choices, takes no text, and is not the main menu or a review step (nothing in
    it opens or acts on the person's own review, which takes free text)."""
    choices = menu.get("choices") or []
    if not choices or menu.get("expects_text"):
        return False
    prefixes = {str(c.get("action", "")).split(SEPARATOR, 1)[0] for c in choices}
    return not any(p == "review" or p == "rv" or p.startswith("rv.") for p in prefixes)


async def remember_sent(repos: Repos, channel: str, user_id: str, reply: Reply) -> None:
    """A message the bot sent on its own (a reminder, an alert, an announcement): its
    numbered choices become what the next typed number picks, as they are what the person
    sees last. Not while the person is writing (a question open, or choices that take
    text): their next words still go where they were going."""
    menu = typed_menu([reply])
    if menu is None or not menu["choices"]:
        return
    account = await repos.accounts.get(channel, user_id)
    if account is None or account.awaiting is not None:
        return
    if isinstance(account.menu, dict) and account.menu.get("expects_text"):
        return
    await repos.accounts.set_menu(account.id, menu)

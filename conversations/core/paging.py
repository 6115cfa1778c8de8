"""Long lists in pages: which items a page shows, and its ◀ / ▶ buttons."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from conversations.core.context import Context
from conversations.core.replies import Choice

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    shown: Sequence[T]
    number: int          # from 0, within range whatever a button asked for
    count: int           # at least 1

    def footer(self, ctx: Context) -> str:
        """'Page 2 of 3.', or '' when everything fits on one page."""
        if self.count == 1:
            return ""
        return ctx._("Page {page} of {pages}.").format(page=self.number + 1, pages=self.count)

    def nav(self, ctx: Context, button: Callable[[int], str]) -> tuple[Choice, ...]:
        """◀ Previous / Next ▶; `button(n)` is the packed action that shows page n."""
        nav = []
        if self.number > 0:
            nav.append(Choice(ctx._("◀ Previous"), button(self.number - 1)))
        if self.number < self.count - 1:
            nav.append(Choice(ctx._("Next ▶"), button(self.number + 1)))
        return tuple(nav)


def page_of(items: Sequence[T], size: int, number: int) -> Page[T]:
    count = max(1, -(-len(items) // size))
    number = min(max(number, 0), count - 1)
    return Page(items[number * size:(number + 1) * size], number, count)

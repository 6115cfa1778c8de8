"""What a member changed in a review since the secretary returned it, in words."""

from __future__ import annotations

from collections.abc import Callable

from conversations.forms.library import FormDef


def changes_text(gettext: Callable[[str], str], form: FormDef, language: str,
                 changed: list[str], level_changed: bool) -> str:
    """'Changed since it was returned: …' for the secretary."""
    _ = gettext
    names = []
    for key in changed:
        if key.startswith("dq."):
            names.append(_("a yes/no question"))
            continue
        try:
            names.append(form.item(key).label(language))
        except KeyError:
            continue
    if level_changed:
        names.append(_("the proposed level"))
    if not names:
        return _("Nothing was changed since it was returned.")
    unique = list(dict.fromkeys(names))
    return _("Changed since it was returned:") + "\n" + "\n".join(f"• {n}" for n in unique)

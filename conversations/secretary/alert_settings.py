"""/alerts: a cell secretary chooses an alert at each submission, a daily digest at a
chosen hour, or none."""

from __future__ import annotations

import re

from conversations.core.awaiting import Awaiting, ask_text
from conversations.core.context import Context
from conversations.core.replies import Choice, Kind, Reply, rows
from conversations.secretary.actions import SECRETARY, DigestAt, SetAlerts
from conversations.secretary.returning import CAPABILITY_NAME

DIGEST_HOURS = (7, 12, 17, 20)
ASKED_HOUR = "digest-hour"  # the awaiting argument while the digest hour may be typed
# «8», «08:00», «8h», «8 giờ», «8g»: an hour on the hour
HOUR_TEXT = re.compile(r"(\d{1,2})\s*(?:(?::|h|g|giờ)\s*(?:00)?)?", re.IGNORECASE)


async def alerts_command(ctx: Context, args: str = "") -> list[Reply]:
    """/alerts [each|off|digest]"""
    return await alert_settings(ctx, args.strip().lower() or None)


async def alert_settings(ctx: Context, mode: str | None = None, hour: int | None = None
                         ) -> list[Reply]:
    """Show the settings; with a mode (and for a digest an hour), change them first."""
    _ = ctx._
    me = ctx.member
    if me is None or not me.is_cell_secretary:
        return [Reply(_("Alerts are for cell secretaries and deputy secretaries."))]
    replace = ctx.incoming.kind is Kind.ACTION
    if mode in ("each", "off") or (mode == "digest" and hour is not None and 0 <= hour < 24):
        await ctx.repos.secretaries.set_alert_pref(me.id, mode, ctx.now, hour)
    elif mode == "digest":
        return [await _ask_hour(ctx, _("At what time should the daily digest come?"), replace)]
    pref = (await ctx.repos.secretaries.alert_prefs([me.id]))[me.id]
    now_text = {
        "each": _("You are alerted at each submission in your cell."),
        "digest": _("You get one digest a day at {hour}:00.").format(
            hour=f"{pref.digest_hour:02d}"),
        "off": _("Alerts are off. You can still see /progress at any time."),
    }[pref.mode]
    modes = (("each", _("Each submission")), ("digest", _("A daily digest")), ("off", _("Off")))
    choices = [Choice(label, SECRETARY.pack(SetAlerts(mode))) for mode, label in modes
               if mode != pref.mode]  # the setting already on is not offered again
    if pref.mode == "digest":
        choices.append(Choice(_("Another hour for the digest"),
                              SECRETARY.pack(SetAlerts("digest"))))
    return [Reply(now_text + "\n" + _("Change to:"), rows(*choices), replace=replace)]


async def _ask_hour(ctx: Context, text: str, replace: bool = False) -> Reply:
    """The usual hours as buttons; any hour may also be typed («8» is 08:00)."""
    await ask_text(ctx, CAPABILITY_NAME, ASKED_HOUR)
    return Reply(text + "\n" + ctx._("Choose, or type another hour (for example 8 for 08:00)."),
                 rows(*(Choice(f"{h:02d}:00", SECRETARY.pack(DigestAt(h)), keyword=str(h))
                        for h in DIGEST_HOURS), per_row=4),
                 replace=replace, expects_text=True)


async def on_hour_typed(ctx: Context, _awaiting: Awaiting) -> list[Reply] | None:
    """The digest hour typed; asked again when it is not an hour."""
    if ctx.incoming.kind is not Kind.TEXT:
        return None
    match = HOUR_TEXT.fullmatch(ctx.incoming.text.strip())
    if match and int(match[1]) < 24:
        return await alert_settings(ctx, "digest", int(match[1]))
    return [await _ask_hour(ctx, ctx._("«{text}» is not an hour. Please type an hour from 0 "
                                       "to 23.").format(text=ctx.incoming.text.strip()[:20]))]

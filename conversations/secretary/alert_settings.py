"""/alerts: a cell secretary chooses an alert at each submission, a daily digest at a
chosen hour, or none."""

from __future__ import annotations

from conversations.core.context import Context
from conversations.core.replies import Choice, Kind, Reply, rows
from conversations.secretary.actions import SECRETARY, DigestAt, SetAlerts

DIGEST_HOURS = (7, 12, 17, 20)


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
        return [Reply(_("At what time should the daily digest come?"), rows(
            *(Choice(f"{h:02d}:00", SECRETARY.pack(DigestAt(h))) for h in DIGEST_HOURS),
            per_row=4), replace=replace)]
    pref = (await ctx.repos.secretaries.alert_prefs([me.id]))[me.id]
    now_text = {
        "each": _("You are alerted at each submission in your cell."),
        "digest": _("You get one digest a day at {hour}:00.").format(
            hour=f"{pref.digest_hour:02d}"),
        "off": _("Alerts are off. You can still see /progress at any time."),
    }[pref.mode]
    return [Reply(now_text + "\n" + _("Change to:"), rows(
        Choice(_("Each submission"), SECRETARY.pack(SetAlerts("each"))),
        Choice(_("A daily digest"), SECRETARY.pack(SetAlerts("digest"))),
        Choice(_("Off"), SECRETARY.pack(SetAlerts("off"))),
    ), replace=replace)]

"""The same instruction worded for the channel: «press «Done»» on Telegram, «type «xong»»
where everything is typed (console, Zalo), so a member is never told to press a button
that their screen does not have."""

from __future__ import annotations

from collections.abc import Callable

from conversations.core.context import Context
from conversations.core.i18n import N_

# a message id that names a button → the same message for typed channels
TYPED: dict[str, str] = {
    "Write your answer; you may send several messages, they are joined. When finished, "
    "press «Done».": N_(
        "Write your answer; you may send several messages, they are joined. When finished, "
        "type «done»."),
    "Send one entry per message, each a short line: the product or task; whether it was "
    "on time; its quality. For example: «Báo cáo tổng kết năm; đúng hạn; đạt yêu cầu». "
    "When finished, press «Done».": N_(
        "Send one entry per message, each a short line: the product or task; whether it "
        "was on time; its quality. For example: «Báo cáo tổng kết năm; đúng hạn; đạt yêu "
        "cầu». When finished, type «done»."),
    "This item is optional: press «Skip» if it does not apply to you.": N_(
        "This item is optional: type «skip» if it does not apply to you."),
    "A new message is added to this text. To write the item anew, choose «Replace»; to "
    "keep it as it is, choose «Done».": N_(
        "A new message is added to this text. To write the item anew, type «replace»; to "
        "keep it as it is, type «done»."),
    "Saved ({n} characters). Send more to add to it, or press «Done».": N_(
        "Saved ({n} characters). Send more to add to it, or type «done»."),
    "Added to the text recorded earlier ({n} characters in all). Send more to add to it, "
    "or press «Done».": N_(
        "Added to the text recorded earlier ({n} characters in all). Send more to add to "
        "it, or type «done»."),
    "The earlier text was replaced by this one ({n} characters). Send more to add to it, "
    "or press «Done».": N_(
        "The earlier text was replaced by this one ({n} characters). Send more to add to "
        "it, or type «done»."),
    "This would make the item {n} characters long; the limit is {limit}. Nothing was "
    "saved from this message: please shorten it, or press «Done» and continue.": N_(
        "This would make the item {n} characters long; the limit is {limit}. Nothing was "
        "saved from this message: please shorten it, or type «done» and continue."),
}


def for_channel(ctx: Context) -> Callable[[str], str]:
    """`ctx._`, with the typed wording where the channel has no buttons."""
    if ctx.incoming.has_buttons:
        return ctx._
    return lambda message: ctx._(TYPED.get(message, message))

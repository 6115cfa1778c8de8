"""GET /files/<token>: the document behind a link, or a short page saying why not (in the
server's language: whoever opens a link is not known to the server)."""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

from aiohttp import web

from conversations.core.i18n import translator
from handlers.document_links import DocumentLinks, Refusal
from handlers.updates import log_failure

# the link's token must not leak from the page: not cached, not sent on as a Referer
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Content-Type-Options": "nosniff"}
STATUS = {Refusal.UNKNOWN: 404, Refusal.EXPIRED: 410, Refusal.NOT_YOURS: 403}


def _refusal_text(refusal: Refusal | None, language: str) -> str:
    _ = translator(language).gettext
    if refusal is Refusal.EXPIRED:
        return _("This link has expired. Ask the assistant again for the document: it "
                 "gives a new link.")
    if refusal is Refusal.NOT_YOURS:
        return _("This link no longer opens: the account it was given to has changed. Ask "
                 "the assistant again for the document.")
    if refusal is Refusal.UNKNOWN:
        return _("This link is not valid. Check that it was copied whole, or ask the "
                 "assistant again for the document.")
    return _("Documents are not offered as links on this server.")


def _disposition(filename: str) -> str:
    fallback = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


async def document_response(links: DocumentLinks | None, token: str,
                            language: str) -> web.Response:
    try:
        opened = await links.open(token) if links is not None else None
    except Exception as exc:  # the database unavailable: the link may work again later
        log_failure(exc, "http", "document link")
        return web.Response(status=503, text=translator(language).gettext(
            "The document cannot be read right now. Please open the link again in a few "
            "minutes."), headers=PRIVATE)
    if opened is None or isinstance(opened, Refusal):
        status = STATUS[opened] if opened is not None else 404
        return web.Response(status=status, text=_refusal_text(opened, language),
                            headers=PRIVATE)
    kind = mimetypes.guess_type(opened.filename)[0] or "application/octet-stream"
    return web.Response(body=opened.content, content_type=kind,
                        headers={**PRIVATE, "Content-Disposition": _disposition(opened.filename)})

"""A fake Zalo Bot Platform API on real HTTP (aiohttp), for end-to-end tests.

    async with FakeZaloApi() as fake:
        api = ZaloApi(ZALO_TOKEN, base_url=fake.url)
        fake.push_text("u1", "xin chào")
        sent = await fake.wait_for_sent("u1")

Like Zalo: ids are strings, dates in milliseconds, no update_id; getUpdates answers one
update per call, or HTTP 408 once its `timeout` passed with nothing new; `ok` may be false
on HTTP 200 (``fail(..., status=200)``); 429 "Quota exceeded" carries no retry_after.
With a webhook set, getUpdates is refused and ``deliver`` posts updates to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

ZALO_TOKEN = "1234567890:zalo-TEST-token-abcdef"  # what every Zalo test bot uses
MAX_TEXT = 2000
SECRET_HEADER = "X-Bot-Api-Secret-Token"


async def serve(app: web.Application) -> TestServer:
    """`app` on real HTTP at 127.0.0.1, on a free port."""
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(access_log=None)  # its URLs hold tokens
    return server


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200
    ok: bool = True


@dataclass
class _Failure:
    method: str
    status: int            # the HTTP status; 200 with ok:false when it is 200
    error_code: int
    description: str
    times: int | None      # None: forever


class ApiError(Exception):
    def __init__(self, status: int, description: str, error_code: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description = status, description
        self.error_code = error_code or status


@dataclass
class FakeZaloApi:
    token: str = ZALO_TOKEN
    bot_name: str = "Bot Kiểm điểm (test)"
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    sent: list[dict] = field(default_factory=list)       # messages the bot sent, in order
    updates: list[dict] = field(default_factory=list)    # waiting for getUpdates
    webhook: dict = field(default_factory=lambda: {"url": "", "secret_token": ""})
    _failures: list[_Failure] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _closing: asyncio.Event = field(default_factory=asyncio.Event)
    _server: TestServer | None = None
    _polls: int = 0  # getUpdates calls waiting for an update

    # -- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> FakeZaloApi:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._server = await serve(app)
        self.url = str(self._server.make_url("")).rstrip("/")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._closing.set()
        self._bump()
        if self._server is not None:
            await self._server.close()
            self._server = None

    # -- programming ----------------------------------------------------------------------

    def fail(self, method: str, *, status: int = 429, error_code: int | None = None,
             description: str | None = None, times: int | None = 1) -> None:
        """The next `times` calls of `method` answer ok:false with HTTP `status` (200 for
        an error inside a successful HTTP answer) and `error_code` (default: status)."""
        code = error_code or (status if status != 200 else 400)
        text = description or {429: "Quota exceeded", 403: "Forbidden", 401: "Unauthorized",
                               500: "Internal Server Error"}.get(code, "Bad Request")
        self._failures.append(_Failure(method, status, code, text, times))

    # -- pushing user messages ------------------------------------------------------------

    def message(self, user_id: str, event: str = "message.text.received", *,
                text: str | None = None, display_name: str = "Người dùng thử",
                chat_id: str | None = None, chat_type: str = "PRIVATE",
                message_id: str | None = None, **extra: Any) -> dict:
        """An update as Zalo sends it (bare: `{event_name, message}`)."""
        message: dict[str, Any] = {
            "from": {"id": user_id, "display_name": display_name, "is_bot": False},
            "chat": {"id": chat_id or user_id, "chat_type": chat_type},
            "message_id": message_id or f"msg{next(self._ids):06d}",
            "date": int(time.time() * 1000),
            **extra,
        }
        if text is not None:
            message["text"] = text
        return {"event_name": event, "message": message}

    def push(self, update: dict) -> dict:
        """Queue an update for getUpdates; returns it."""
        self.updates.append(update)
        self._bump()
        return update

    def push_text(self, user_id: str, text: str, **kwargs: Any) -> dict:
        return self.push(self.message(user_id, text=text, **kwargs))

    def push_image(self, user_id: str, **kwargs: Any) -> dict:
        return self.push(self.message(user_id, "message.image.received",
                                      photo="https://example.invalid/p.jpg", **kwargs))

    def push_sticker(self, user_id: str, **kwargs: Any) -> dict:
        return self.push(self.message(user_id, "message.sticker.received",
                                      sticker="bfe3c2f4f5b4", **kwargs))

    def push_unsupported(self, user_id: str, **kwargs: Any) -> dict:
        """What a user with a protected status sends, whatever they typed: no content."""
        return self.push(self.message(user_id, "message.unsupported.received", **kwargs))

    async def deliver(self, update: dict, *, wrapped: bool = True,
                      secret: str | None = None, to: str | None = None) -> int:
        """POST `update` to the webhook set with setWebhook (wrapped as `{ok, result}` like
        Zalo, or bare), with its secret unless `secret` is given ("" sends no header); `to`:
        another URL (one process behind the public one). Returns the HTTP status."""
        if not self.webhook["url"]:
            raise RuntimeError("no webhook set")
        secret = self.webhook["secret_token"] if secret is None else secret
        headers = {SECRET_HEADER: secret} if secret else {}
        body = {"ok": True, "result": update} if wrapped else update
        async with aiohttp.ClientSession() as session, \
                session.post(to or self.webhook["url"], json=body, headers=headers) as response:
            return response.status

    # -- inspection -----------------------------------------------------------------------

    def texts_to(self, chat_id: str) -> list[str]:
        return [m["text"] for m in self.sent if m["chat_id"] == chat_id]

    async def wait_for_sent(self, chat_id: str, count: int = 1,
                            timeout: float = 10.0) -> list[str]:  # noqa: ASYNC109
        """Wait until the bot has sent `count` messages to `chat_id`; returns their texts."""
        async def enough() -> None:
            while len(self.texts_to(chat_id)) < count:
                changed = self._changed
                await changed.wait()
        try:
            await asyncio.wait_for(enough(), timeout)
        except TimeoutError:
            raise TimeoutError(f"{len(self.texts_to(chat_id))} of {count} messages to "
                               f"{chat_id}: {self.texts_to(chat_id)}") from None
        return self.texts_to(chat_id)

    async def wait_for_total(self, count: int, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has sent `count` messages in all, to anyone."""
        async def enough() -> None:
            while len(self.sent) < count:
                changed = self._changed
                await changed.wait()
        await asyncio.wait_for(enough(), timeout)

    async def wait_idle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until every queued update was taken and the poller asks again (it may
        still be answering them: wait for its processor too)."""
        async def idle() -> None:
            while self.updates or not self._polls:
                changed = self._changed
                await changed.wait()
        await asyncio.wait_for(idle(), timeout)

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    # -- HTTP -----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        params: dict[str, Any] = dict(request.query)
        if request.body_exists:
            with contextlib.suppress(ValueError):
                body = await request.json()
                params.update(body if isinstance(body, dict) else {})
        call = Call(request.match_info["method"], params)
        handlers: dict[str, Callable[[dict], Awaitable[Any]]] = {
            "getMe": self._get_me, "getUpdates": self._get_updates,
            "sendMessage": self._send_message, "sendChatAction": self._send_chat_action,
            "setWebhook": self._set_webhook, "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
        }
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            handler = handlers.get(call.method)  # names are case-sensitive
            if handler is None:
                raise ApiError(404, "Not Found")
            failure = self._take_failure(call.method)
            if failure is not None:
                raise ApiError(failure.status, failure.description, failure.error_code)
            answer: dict[str, Any] = {"ok": True, "result": await handler(params)}
        except ApiError as err:
            call.status, call.ok = err.status, False
            answer = {"ok": False, "error_code": err.error_code, "description": err.description}
        self.calls.append(call)
        self._bump()
        return web.json_response(answer, status=call.status)

    def _take_failure(self, method: str) -> _Failure | None:
        failure = next((f for f in self._failures if f.method == method), None)
        if failure is not None and failure.times is not None:
            failure.times -= 1
            if failure.times == 0:
                self._failures.remove(failure)
        return failure

    def _bump(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # -- methods --------------------------------------------------------------------------

    async def _get_me(self, params: dict) -> dict:
        return {"id": self.token.split(":")[0], "account_name": self.bot_name,
                "account_type": "BASIC", "can_join_groups": False}

    async def _get_updates(self, params: dict) -> dict:
        if self.webhook["url"]:
            raise ApiError(400, "Webhook is set: use deleteWebhook to poll")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(params.get("timeout", 30))
        self._polls += 1
        self._bump()
        try:
            while not self.updates:
                remaining = deadline - loop.time()
                if remaining <= 0 or self._closing.is_set():
                    raise ApiError(408, "Request timeout")
                changed = self._changed
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), remaining)
            return self.updates.pop(0)
        finally:
            self._polls -= 1

    async def _send_message(self, params: dict) -> dict:
        chat_id, text = params.get("chat_id"), params.get("text")
        if not isinstance(chat_id, str) or not chat_id:
            raise ApiError(400, "chat_id must be a non-empty string")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
            raise ApiError(400, f"text must have 1 to {MAX_TEXT} characters")
        sent = {"message_id": f"bot{next(self._ids):06d}", "date": int(time.time() * 1000)}
        self.sent.append({"chat_id": chat_id, "text": text, **sent})
        return sent

    async def _send_chat_action(self, params: dict) -> None:
        if params.get("action") != "typing":
            raise ApiError(400, "action must be typing")

    async def _set_webhook(self, params: dict) -> dict:
        url, secret = params.get("url"), params.get("secret_token")
        if not isinstance(url, str) or not url.startswith(("https://", "http://127.0.0.1")):
            raise ApiError(400, "url must be HTTPS")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            raise ApiError(400, "secret_token must have 8 to 256 characters")
        self.webhook = {"url": url, "secret_token": secret}
        return await self._get_webhook_info(params)

    async def _delete_webhook(self, params: dict) -> dict:
        self.webhook = {"url": "", "secret_token": ""}
        return await self._get_webhook_info(params)

    async def _get_webhook_info(self, params: dict) -> dict:
        return {"url": self.webhook["url"], "updated_at": int(time.time() * 1000)}

"""A fake Telegram Bot API server on real HTTP (aiohttp), for end-to-end tests.

    async with FakeBotApi() as fake:
        bot = telegram.Bot(TOKEN, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot")
        # ... or TELEGRAM_API_URL=fake.url for `kiemdiem run`
        fake.push_message(42, "/start")
        call = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 42)

Form, query and multipart values are JSON-decoded like Telegram does (chat_id -> int,
reply_markup -> dict), except free-text ones such as ``text`` and ``caption``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
from aiohttp import web

TEST_TOKEN = "123456:TEST-TOKEN"  # what every test bot uses
FailureKind = Literal[
    "retry_after", "forbidden", "migrate", "bad_request", "timeout", "server_error"
]
MAX_TEXT = 4096
_TEXT_PARAMS = frozenset({
    "text", "caption", "callback_query_id", "inline_query_id", "data", "query", "title",
    "description", "short_description", "name", "question", "url", "emoji", "file_id",
    "custom_title", "payload", "secret_token",
})
_STATUS_OUTCOME = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}


@dataclass
class Call:
    """One request the fake answered; ``outcome`` is "ok" or the failure kind it got."""

    method: str
    params: dict[str, Any]
    received_at: float  # time.monotonic() when the request arrived
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # field -> (name, bytes)
    outcome: str = "ok"
    result: Any = None  # the "result" answered, when ok


@dataclass
class _Failure:
    method: str  # lower-case
    kind: str
    chat_id: int | str | None
    times: int | None  # None: forever
    delay: float
    answer: tuple[int, str, dict | None]  # status, description, parameters


class ApiError(Exception):
    """Answers ``{"ok": false, ...}`` with this HTTP status."""

    def __init__(self, status: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


def _coerce(key: str, value: str) -> Any:
    if key in _TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _chat_key(chat_id: Any) -> int | str | None:
    with contextlib.suppress(TypeError, ValueError):
        return int(chat_id)
    return chat_id


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _text(params: dict) -> str:
    text = str(params.get("text") or "")
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if _utf16_len(text) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    return text


class FakeBotApi:
    """The Bot API at ``{url}/bot{token}/{method}``: records calls, queues updates, fails on demand.

    ``messages`` holds the current state of every message (bot's and pushed), keyed by
    ``(chat_id, message_id)``; ``updates`` the queued updates no offset has confirmed yet.
    """

    def __init__(self, *, username: str = "kiemdiem_test_bot", bot_id: int = 123456,
                 first_name: str = "Kiểm điểm (test)", token: str | None = None) -> None:
        self.bot_user = {"id": bot_id, "is_bot": True, "first_name": first_name,
                         "username": username}
        self.token = token  # when set, other tokens get 401
        self.revoked = False  # every call gets 401, as after the token was revoked
        self.url = ""
        self.calls: list[Call] = []  # in the order answered (a long poll when it ends)
        self.commands: dict[str, list[dict]] = {}  # language_code or "" -> [{command, description}]
        self.messages: dict[tuple[int | str, int], dict] = {}
        self.updates: list[dict] = []
        self.files: dict[str, bytes] = {}  # file_id -> content, for getFile and downloads
        self.webhook: dict = {}  # the last setWebhook's parameters
        self.latency = 0.0
        self.on_call: Callable[[Call], None] | None = None  # told of each call (bench/)
        self._failures: list[_Failure] = []
        self._consumed: set[int] = set()
        self._users: dict[int, dict] = {}
        self._message_ids: dict[int | str, int] = {}
        self._update_id = 0
        self._ids = itertools.count(1)
        self._turn = itertools.count()  # the next webhook receiver (`deliver`)
        self._changed = asyncio.Event()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        handlers: dict[str, Callable[[Call], Awaitable[Any]]] = {
            "getMe": self._get_me, "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook, "getWebhookInfo": self._get_webhook_info,
            "setWebhook": self._set_webhook,
            "setMyCommands": self._set_my_commands, "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands, "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "sendDocument": self._send_document, "deleteMessage": self._delete_message,
            "getFile": self._get_file,
            "answerCallbackQuery": self._true, "sendChatAction": self._true,
            "close": self._true, "logOut": self._true,
        }
        self._methods = {name.lower(): (name, handler) for name, handler in handlers.items()}

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, port: int = 0) -> FakeBotApi:
        """Listen on 127.0.0.1 on ``port`` (0: a free one); sets ``url`` (no trailing slash)."""
        self._closing.clear()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/documents/{file_id}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def stop(self) -> None:
        """Wake long polls and delayed answers, then close the server."""
        self._closing.set()
        self._bump()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- inspection -----------------------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        """Recorded calls of ``method`` (case-insensitive), failed attempts included."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    async def wait_for(self, method: str, predicate: Callable[[Call], bool] | None = None, *,
                       timeout: float = 5.0, after: int = 0) -> Call:  # noqa: ASYNC109
        """The earliest call of ``method`` matching ``predicate`` that no earlier ``wait_for``
        returned, waiting up to ``timeout`` seconds; raises TimeoutError.

        Only calls at index >= ``after`` in ``calls`` count (take ``mark = len(fake.calls)``
        before acting). Calls are recorded once answered, so a long poll shows up when it ends.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._changed
            for index in range(after, len(self.calls)):
                call = self.calls[index]
                if (index not in self._consumed and call.method.lower() == method.lower()
                        and (predicate is None or predicate(call))):
                    self._consumed.add(index)
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = [f"{c.method}({c.outcome})" for c in self.calls[after:]]
                raise TimeoutError(f"no matching {method} within {timeout}s; calls: {seen}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def bot_messages(self, chat_id: int | str) -> list[dict]:
        """Messages the bot sent in ``chat_id`` and has not deleted, as they are now."""
        key = _chat_key(chat_id)
        return [message for (chat, _), message in self.messages.items()
                if chat == key and message["from"]["id"] == self.bot_user["id"]]

    # -- programming answers --------------------------------------------------------------

    def fail(self, method: str, *, kind: FailureKind, chat_id: int | str | None = None,
             times: int | None = 1, retry_after: int = 3,
             migrate_to_chat_id: int = -1001234567890, description: str | None = None,
             delay: float = 5.0, status: int = 500) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail.

        Rules match in the order added. ``timeout`` still performs the call (like Telegram
        may have) but answers only after ``delay`` seconds; ``server_error`` answers ``status``.
        ``times=None`` fails forever.
        """
        answers: dict[str, tuple[int, str, dict | None]] = {
            "retry_after": (429, f"Too Many Requests: retry after {retry_after}",
                            {"retry_after": retry_after}),
            "forbidden": (403, "Forbidden: bot was blocked by the user", None),
            "migrate": (400, "Bad Request: group chat was upgraded to a supergroup chat",
                        {"migrate_to_chat_id": migrate_to_chat_id}),
            "bad_request": (400, "Bad Request: chat not found", None),
            "timeout": (200, "", None),  # answered normally, only late
            "server_error": (status, "Bad Gateway" if status == 502 else "Internal Server Error",
                             None),
        }
        if kind not in answers:
            raise ValueError(f"unknown failure kind {kind!r}; one of {sorted(answers)}")
        code, default, parameters = answers[kind]
        self._failures.append(_Failure(method.lower(), kind, _chat_key(chat_id), times, delay,
                                       (code, description or default, parameters)))

    def clear_failures(self) -> None:
        self._failures.clear()

    def set_latency(self, seconds: float) -> None:
        """Delay every answer by ``seconds``."""
        self.latency = seconds

    async def go_down(self) -> None:
        """An outage: stop listening and drop every connection (clients get "connection
        refused") until ``come_back``."""
        await self.stop()

    async def come_back(self) -> None:
        """Listen again on the same address after ``go_down``."""
        await self.start(int(self.url.rsplit(":", 1)[1]))

    # -- pushing updates ------------------------------------------------------------------

    def push_update(self, update: dict) -> dict:
        """Queue a raw update; ``update_id`` is assigned when missing. Returns it."""
        update = dict(update)
        update.setdefault("update_id", self._update_id + 1)
        self._update_id = max(self._update_id, update["update_id"])
        self.updates.append(update)
        self._bump()
        return update

    def push_message(self, user_id: int, text: str, *, chat_id: int | None = None,
                     first_name: str = "Test", language_code: str | None = "vi",
                     username: str | None = None) -> dict:
        """Queue a text message from a user (private chat unless ``chat_id``); a leading
        /command gets its ``bot_command`` entity."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        user |= {"username": username} if username else {}
        user |= {"language_code": language_code} if language_code else {}
        self._users[user_id] = user
        message = self._new_message(user_id if chat_id is None else chat_id, user, text=text)
        command = text.split(maxsplit=1)[0] if text.startswith("/") else ""
        if len(command) > 1:
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": _utf16_len(command)}]
        return self.push_update({"message": copy.deepcopy(message)})

    def push_edit(self, user_id: int, message_id: int, text: str) -> dict:
        """Queue an ``edited_message`` update: the user's message ``message_id`` now reads
        ``text``."""
        key = (_chat_key(user_id), message_id)
        message = self.messages.get(key)
        if message is None or message["from"]["id"] != user_id:
            raise KeyError(f"user {user_id} sent no message {message_id}")
        message.update(text=text, edit_date=int(time.time()))
        return self.push_update({"edited_message": copy.deepcopy(message)})

    def push_sticker(self, user_id: int, *, chat_id: int | None = None,
                     emoji: str = "👍") -> dict:
        """Queue a sticker message from a user."""
        n = next(self._ids)
        sticker = {"file_id": f"STICKER{n}", "file_unique_id": f"US{n}", "type": "regular",
                   "width": 512, "height": 512, "is_animated": False, "is_video": False,
                   "emoji": emoji}
        chat = user_id if chat_id is None else chat_id
        message = self._new_message(chat, self._user(user_id), sticker=sticker)
        return self.push_update({"message": copy.deepcopy(message)})

    def push_document(self, user_id: int, filename: str, content: bytes) -> dict:
        """Queue a document a user sends in their private chat (getFile serves it)."""
        n = next(self._ids)
        file_id = f"UPLOAD{n}"
        self.files[file_id] = content
        document = {"file_id": file_id, "file_unique_id": f"UU{n}", "file_name": filename,
                    "file_size": len(content)}
        message = self._new_message(user_id, self._user(user_id), document=document)
        return self.push_update({"message": copy.deepcopy(message)})

    def push_callback(self, user_id: int, data: str, message_id: int, *,
                      chat_id: int | None = None, strict: bool = True) -> dict:
        """Queue a button press on the message ``message_id`` (which must exist) as it is now.

        With ``strict`` the message must carry a button with this callback_data.
        """
        chat = _chat_key(user_id if chat_id is None else chat_id)
        message = self.messages.get((chat, message_id))  # type: ignore[index]
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat}")
        buttons = [button.get("callback_data") for row in
                   message.get("reply_markup", {}).get("inline_keyboard", []) for button in row]
        if strict and data not in buttons:
            raise ValueError(f"message {message_id} has no button {data!r}; it has {buttons}")
        query = {"id": str(next(self._ids)), "from": self._user(user_id),
                 "chat_instance": f"ci{chat}", "data": data, "message": copy.deepcopy(message)}
        return self.push_update({"callback_query": query})

    # -- webhook delivery -----------------------------------------------------------------

    async def deliver(self, update: dict, receivers: Sequence[str], *,
                      timeout: float = 30.0) -> str:  # noqa: ASYNC109
        """POST one queued update as the webhook setWebhook registered would, with its
        secret_token, to one of `receivers` (the bot processes' own /telegram URLs, standing
        for the public URL behind a load balancer). Receivers are taken in turn, so
        successive updates, of one chat too, go to different processes; one that refuses
        (connection refused, 5xx) is passed over and the update sent to the next, as
        Telegram retries. The update leaves the getUpdates queue; returns who took it."""
        secret = self.webhook.get("secret_token")
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                url = receivers[next(self._turn) % len(receivers)]
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.post(url, json=update, headers=headers) as response:
                        if response.status == 200:
                            with contextlib.suppress(ValueError):
                                self.updates.remove(update)
                            return url
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no receiver took update {update['update_id']}")
                await asyncio.sleep(0.05)

    # -- HTTP -----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        received_at = time.monotonic()
        params: dict[str, Any] = {k: _coerce(k, v) for k, v in request.query.items()}
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type == "application/json":
            body = await request.read()
            params.update(json.loads(body) if body else {})
        elif request.body_exists:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.file.read())
                else:
                    params[key] = _coerce(key, value) if isinstance(value, str) else value
        sent_name = request.match_info["method"]
        name, handler = self._methods.get(sent_name.lower(), (sent_name, None))
        call = Call(name, params, received_at, files)
        delay = self.latency
        try:
            if self.revoked or (self.token is not None
                                and request.match_info["token"] != self.token):
                raise ApiError(401, "Unauthorized")
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            failure = self._take_failure(call)
            if failure is not None:
                call.outcome = failure.kind
                if failure.kind != "timeout":
                    raise ApiError(*failure.answer)
                delay += failure.delay
            call.result = copy.deepcopy(await handler(call))
            answer, status = {"ok": True, "result": call.result}, 200
        except ApiError as err:
            if call.outcome == "ok":
                call.outcome = _STATUS_OUTCOME.get(err.status, "error")
            answer = {"ok": False, "error_code": err.status, "description": err.description}
            if err.parameters:
                answer["parameters"] = err.parameters
            status = err.status
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)
        self._bump()
        await self._sleep(delay)
        return web.json_response(answer, status=status)

    def _take_failure(self, call: Call) -> _Failure | None:
        chat = _chat_key(call.params.get("chat_id"))
        for failure in self._failures:
            if failure.method == call.method.lower() and failure.chat_id in (None, chat):
                if failure.times is not None:
                    failure.times -= 1
                    if failure.times <= 0:
                        self._failures.remove(failure)
                return failure
        return None

    def _bump(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0 and not self._closing.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)

    # -- building objects -----------------------------------------------------------------

    def _user(self, user_id: int) -> dict:
        """The user as last seen in push_message, or a plain one."""
        return self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "Test"}

    def _chat(self, chat_id: int | str) -> dict:
        if isinstance(chat_id, str):  # "@channelusername"
            return {"id": -1001000000000, "type": "channel", "title": chat_id,
                    "username": chat_id.lstrip("@")}
        if chat_id > 0:
            user = self._users.get(chat_id, {"first_name": "Test"})
            chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
            return chat | ({"username": user["username"]} if "username" in user else {})
        kind = "supergroup" if chat_id <= -1000000000000 else "group"
        return {"id": chat_id, "type": kind, "title": f"Test {kind}"}

    def _new_message(self, chat_id: Any, sender: dict, **fields: Any) -> dict:
        chat = _chat_key(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        message_id = self._message_ids.get(chat, 0) + 1
        self._message_ids[chat] = message_id
        message = {"message_id": message_id, "from": sender, "chat": self._chat(chat),
                   "date": int(time.time()), **fields}
        self.messages[(chat, message_id)] = message
        return message

    def _bot_message(self, params: dict, **fields: Any) -> dict:
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            fields["reply_markup"] = markup  # Telegram echoes inline keyboards only
        return self._new_message(params.get("chat_id"), self.bot_user, **fields)

    def _find(self, params: dict, verb: str) -> tuple[tuple[Any, Any], dict]:
        key = (_chat_key(params.get("chat_id")), params.get("message_id"))
        message = self.messages.get(key)  # type: ignore[arg-type]
        if message is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return key, message

    # -- methods --------------------------------------------------------------------------

    async def _true(self, call: Call) -> bool:
        return True

    async def _get_me(self, call: Call) -> dict:
        return self.bot_user | {"can_join_groups": True, "can_read_all_group_messages": False,
                                "supports_inline_queries": False}

    async def _get_updates(self, call: Call) -> list[dict]:
        """Long poll: confirm below ``offset``, answer at once if any, else wait ``timeout``."""
        offset = int(call.params.get("offset") or 0)
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        limit = int(call.params.get("limit") or 100)
        deadline = time.monotonic() + float(call.params.get("timeout") or 0)
        while True:
            changed = self._changed
            remaining = deadline - time.monotonic()
            if self.updates or remaining <= 0 or self._closing.is_set():
                return self.updates[:limit]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def _set_webhook(self, call: Call) -> bool:
        self.webhook = dict(call.params)
        return True

    async def _delete_webhook(self, call: Call) -> bool:
        self.webhook = {}
        if call.params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    async def _get_webhook_info(self, call: Call) -> dict:
        return {"url": "", "has_custom_certificate": False,
                "pending_update_count": len(self.updates)}

    async def _set_my_commands(self, call: Call) -> bool:
        self.commands[call.params.get("language_code") or ""] = list(call.params["commands"])
        return True

    async def _get_my_commands(self, call: Call) -> list[dict]:
        return self.commands.get(call.params.get("language_code") or "", [])

    async def _delete_my_commands(self, call: Call) -> bool:
        self.commands.pop(call.params.get("language_code") or "", None)
        return True

    async def _send_message(self, call: Call) -> dict:
        return self._bot_message(call.params, text=_text(call.params))

    async def _send_document(self, call: Call) -> dict:
        n = next(self._ids)
        document: dict[str, Any] = {"file_id": f"DOC{n}", "file_unique_id": f"UD{n}"}
        if "document" in call.files:
            filename, content = call.files["document"]
            document |= {"file_name": filename, "file_size": len(content)}
            self.files[document["file_id"]] = content
        elif isinstance(call.params.get("document"), str):
            document["file_id"] = call.params["document"]
        else:
            raise ApiError(400, "Bad Request: there is no document in the request")
        caption = call.params.get("caption")
        return self._bot_message(call.params, document=document,
                                 **({"caption": caption} if caption else {}))

    async def _get_file(self, call: Call) -> dict:
        file_id = call.params.get("file_id")
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": f"U{file_id}",
                "file_size": len(self.files[file_id]), "file_path": f"documents/{file_id}"}

    async def _download(self, request: web.Request) -> web.Response:
        if self.token is not None and request.match_info["token"] != self.token:
            return web.Response(status=401)
        content = self.files.get(request.match_info["file_id"])
        return web.Response(status=404) if content is None else web.Response(body=content)

    async def _edit(self, call: Call, **changes: Any) -> dict | bool:
        if "inline_message_id" in call.params:
            return True
        _, message = self._find(call.params, "edit")
        if message["from"]["id"] != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        markup = call.params.get("reply_markup")
        markup = markup if isinstance(markup, dict) and markup.get("inline_keyboard") else None
        if all(message.get(k) == v for k, v in changes.items()) and \
                message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                           "content and reply markup are exactly the same as a current "
                           "content and reply markup of the message")
        message.update(changes, edit_date=int(time.time()))
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        return message

    async def _edit_message_text(self, call: Call) -> dict | bool:
        return await self._edit(call, text=_text(call.params))

    async def _edit_message_reply_markup(self, call: Call) -> dict | bool:
        return await self._edit(call)

    async def _delete_message(self, call: Call) -> bool:
        key, _ = self._find(call.params, "delete")
        del self.messages[key]
        return True

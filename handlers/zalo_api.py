"""A thin async client of the Zalo Bot Platform API (aiohttp, one session).

`<base>/bot<TOKEN>/<method>` with JSON bodies; every answer is `{ok, result, description,
error_code}` and `ok` is checked even on HTTP 200. Failures are raised as the outbox
sender's kinds, so a transport needs no translation of its own:

- 429 "Quota exceeded" → FloodWait (Zalo publishes no retry_after: `flood_wait` seconds)
- 5xx, timeouts, connection errors → TransientError
- 403 on a send → RecipientBlocked; 401 → InvalidToken; other 4xx → SendError
- 408 on getUpdates → nothing new (an empty list)

The token is in every URL, so it is registered with handlers.redact and every error text
is redacted; aiohttp's own exceptions (which quote the URL) are never chained.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import aiohttp

from handlers.outbox_sender import FloodWait, RecipientBlocked, SendError, TransientError
from handlers.redact import redact, register_secret

DEFAULT_API_URL = "https://bot-api.zaloplatforms.com"
MAX_TEXT = 2000  # characters per sendMessage
log = logging.getLogger(__name__)


class InvalidToken(SendError):
    """401: the token is wrong or was reset; nothing will work until it is replaced."""


class ZaloApi:
    def __init__(self, token: str, *, base_url: str | None = None,
                 request_timeout: float = 15.0, flood_wait: float = 30.0) -> None:
        if not token:
            raise ValueError("a Zalo bot token is required")
        register_secret(token)
        # bot/config.py passes ZALO_API_URL once it knows the channel; until then, read here
        base_url = base_url or os.environ.get("ZALO_API_URL") or DEFAULT_API_URL
        self._prefix = f"{base_url.rstrip('/')}/bot{token}/"
        self.request_timeout = request_timeout  # a short call; a long poll adds its own
        self.flood_wait = flood_wait  # seconds to wait after a 429
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"ZaloApi({redact(self._prefix)})"

    async def __aenter__(self) -> ZaloApi:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- methods --------------------------------------------------------------------------

    async def get_me(self) -> dict:
        return await self.call("getMe")

    async def get_updates(self, timeout: int = 30) -> list[dict]:  # noqa: ASYNC109 (the API's)
        """Wait up to `timeout` seconds for updates; [] when nothing came (HTTP 408)."""
        try:
            result = await self.call("getUpdates", {"timeout": timeout},
                                     wait=timeout + self.request_timeout)
        except _NothingNew:
            return []
        if isinstance(result, dict):  # the documented shape: one update per answer
            return [result] if result else []
        return [u for u in result if isinstance(u, dict)] if isinstance(result, list) else []

    async def send_message(self, chat_id: str, text: str) -> dict:
        return await self.call("sendMessage", {"chat_id": str(chat_id), "text": text})

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": str(chat_id), "action": action})

    async def set_webhook(self, url: str, secret_token: str) -> dict:
        register_secret(secret_token)
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> dict:
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict:
        return await self.call("getWebhookInfo")

    # -- the wire -------------------------------------------------------------------------

    async def call(self, method: str, params: dict | None = None, *,
                   wait: float | None = None) -> Any:
        """POST `params` as JSON to `method`; the `result`, or a typed error."""
        params = params or {}
        timeout = aiohttp.ClientTimeout(total=wait or self.request_timeout)
        try:
            async with self._client().post(self._prefix + method, json=params,
                                           timeout=timeout) as response:
                status, body = response.status, await response.read()
        except TimeoutError:
            raise TransientError(f"Zalo {method}: timed out") from None
        except aiohttp.ClientError as exc:  # its text may quote the URL, hence the token
            text = f"Zalo {method}: {redact(str(exc)) or type(exc).__name__}"
            if isinstance(exc, aiohttp.InvalidURL):  # ZALO_API_URL is wrong: no use retrying
                raise SendError(text) from None
            raise TransientError(text) from None
        return self._result(method, params, status, body)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(json_serialize=_compact_json)
        return self._session

    def _result(self, method: str, params: dict, status: int, body: bytes) -> Any:
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            answer = {"ok": False, "description": f"HTTP {status}, not a Bot API answer"}
        if answer.get("ok") is True and status < 400:
            return answer.get("result")
        code = answer.get("error_code") if isinstance(answer.get("error_code"), int) else status
        code = status if code < 400 <= status else code
        description = redact(str(answer.get("description") or f"HTTP {code}"))
        text = f"Zalo {method}: {code} {description}"
        if code == 408 and method == "getUpdates":
            raise _NothingNew
        if code == 429:
            raise FloodWait(_retry_after(answer) or self.flood_wait)
        if code == 401:
            raise InvalidToken(text)
        if code == 403 and "chat_id" in params:
            raise RecipientBlocked(text)
        if code >= 500 or code == 408:
            raise TransientError(text)
        raise SendError(text)


class _NothingNew(Exception):
    """getUpdates timed out with nothing to deliver."""


def _retry_after(answer: dict) -> float | None:
    """A retry_after if Zalo ever sends one (Telegram's place for it)."""
    parameters = answer.get("parameters")
    value = parameters.get("retry_after") if isinstance(parameters, dict) else None
    return float(value) if isinstance(value, int | float) and value > 0 else None


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

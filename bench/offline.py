"""An in-process Bot API for benchmarks: answers every call at once, no network."""

from __future__ import annotations

import json
import time

from telegram.request import BaseRequest, RequestData

BOT = {"id": 123456, "is_bot": True, "first_name": "kiemdiem", "username": "kiemdiem_bench_bot"}


class OfflineRequest(BaseRequest):
    """Answers getMe, sends and edits with plausible objects; counts the calls."""

    def __init__(self) -> None:
        self.calls = 0
        self._message_id = 0

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args, **kwargs) -> tuple[int, bytes]:
        self.calls += 1
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        if name == "getMe":
            result: object = BOT
        elif name in ("sendMessage", "editMessageText", "sendDocument"):
            self._message_id += 1
            chat_id = int(params.get("chat_id", 1))
            result = {
                "message_id": params.get("message_id", self._message_id),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT,
                "text": params.get("text", ""),
            }
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()

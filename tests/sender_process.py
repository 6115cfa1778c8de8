"""`python -m tests.sender_process DB URL RATE REQUEST`: a sender alone, for the kill tests;
REQUEST is the Telegram request kind, or `zalo` for the Zalo transport on a fake Zalo."""

from __future__ import annotations

import asyncio
import contextlib
import sys

from handlers.outbox_sender import OutboxSender, SenderConfig, Transport
from handlers.telegram_transport import TelegramTransport
from handlers.zalo_api import ZaloApi
from handlers.zalo_transport import ZaloTransport
from storage.db import open_database
from storage.repos import Repos
from storage.sending import SendingRepo
from tests.fakes.zalo_api import ZALO_TOKEN
from tests.sender_helpers import make_bot


async def main(db_path: str, url: str, rate: float, request: str) -> None:
    db = await open_database(db_path)
    async with contextlib.AsyncExitStack() as stack:
        transport: Transport
        if request == "zalo":
            api = await stack.enter_async_context(ZaloApi(ZALO_TOKEN, base_url=url))
            transport = ZaloTransport(api, Repos.of(db))
        else:
            transport = TelegramTransport(await stack.enter_async_context(
                make_bot(url, request=request)))
        sender = OutboxSender(SendingRepo(db), [transport],
                              SenderConfig(rate=rate, private_interval=0.0))
        await sender.start()
        print("started", flush=True)
        await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]))

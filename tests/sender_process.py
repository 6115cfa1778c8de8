"""`python -m tests.sender_process DB URL RATE REQUEST`: a sender alone, for the kill test."""

from __future__ import annotations

import asyncio
import sys

from handlers.outbox_sender import OutboxSender, SenderConfig
from handlers.telegram_transport import TelegramTransport
from storage.db import open_database
from storage.sending import SendingRepo
from tests.sender_helpers import make_bot


async def main(db_path: str, url: str, rate: float, request: str) -> None:
    db = await open_database(db_path)
    async with make_bot(url, request=request) as bot:
        sender = OutboxSender(SendingRepo(db), [TelegramTransport(bot)],
                              SenderConfig(rate=rate, private_interval=0.0))
        await sender.start()
        print("started", flush=True)
        await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]))

"""Wiring the outbox sender (and the broadcast progress reports) into a running bot."""

from __future__ import annotations

import os

from handlers.outbox_sender import OutboxSender, SenderConfig, Transport
from storage.db import Database
from storage.sending import SendingRepo


def sender_config() -> SenderConfig:
    """KIEMDIEM_SEND_RATE: messages per second overall (default 25; 0 = no limit)."""
    rate = float(os.environ.get("KIEMDIEM_SEND_RATE", "25"))
    return SenderConfig(rate=rate or None)


async def start_sender(db: Database, transports: list[Transport]) -> OutboxSender:
    sender = OutboxSender(SendingRepo(db), transports, sender_config())
    await sender.start()
    return sender

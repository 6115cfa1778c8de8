"""The outbox sender and the broadcast progress reports, as the runtime runs them."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.broadcast_progress import BroadcastProgress
from handlers.outbox_sender import OutboxSender, SenderConfig, Transport
from storage.repos import Repos
from storage.sending import SendingRepo


def sender_config(rate: float | None, lifetimes: Mapping[str, float],
                  lease: float = 60.0) -> SenderConfig:
    """The settings' KIEMDIEM_SEND_RATE (None: no limit), outbox lifetimes and lease."""
    return SenderConfig(rate=rate, lifetimes=lifetimes, lease=lease)


class Sending:
    """The outbox sender and the progress reporter, started and stopped together."""

    def __init__(self, repos: Repos, transports: list[Transport],
                 config: SenderConfig | None = None, progress_interval: float = 3.0) -> None:
        self.sender = OutboxSender(SendingRepo(repos.db), transports, config or SenderConfig())
        self.progress = BroadcastProgress(repos, transports, progress_interval)

    async def start(self) -> Sending:
        await self.sender.start()
        self.progress.start()
        return self

    async def stop(self) -> None:
        await self.progress.stop()
        await self.sender.stop()

    async def drain(self) -> None:
        """Send everything due now and report (the console demo, after each line)."""
        await self.sender.drain()
        await self.progress.tick()


# The console demo: no pacing, everything printed at once.
UNPACED = SenderConfig(rate=None, private_interval=0.0, group_interval=0.0)

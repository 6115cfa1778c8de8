"""Counters of the update path, written out in the Prometheus text format by hand (a few
lines; no client library needed for counters and one histogram)."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

from storage.health import Backlog

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)  # seconds


@dataclass
class Latency:
    buckets: list[int] = field(default_factory=lambda: [0] * len(LATENCY_BUCKETS))
    total: float = 0.0
    count: int = 0

    def observe(self, seconds: float) -> None:
        index = bisect_left(LATENCY_BUCKETS, seconds)
        if index < len(self.buckets):
            self.buckets[index] += 1  # cumulated when written out
        self.total += seconds
        self.count += 1


class Metrics:
    """Updates handled since start, by channel and outcome, and how long each took."""

    def __init__(self) -> None:
        self.updates: Counter[tuple[str, str]] = Counter()
        self.latency: dict[str, Latency] = {}

    def observe(self, channel: str, outcome: str, seconds: float) -> None:
        self.updates[(channel, outcome)] += 1
        self.latency.setdefault(channel, Latency()).observe(seconds)

    def render(self, backlog: Backlog | None, oldest_due_age: float | None,
               reminder_lag: float | None = None) -> str:
        lines = ["# HELP kiemdiem_updates_total Updates handled, by channel and outcome.",
                 "# TYPE kiemdiem_updates_total counter"]
        lines += [f'kiemdiem_updates_total{{channel="{channel}",outcome="{outcome}"}} {n}'
                  for (channel, outcome), n in sorted(self.updates.items())]
        lines += ["# HELP kiemdiem_update_seconds Time to answer one update.",
                  "# TYPE kiemdiem_update_seconds histogram"]
        for channel, latency in sorted(self.latency.items()):
            cumulated = 0
            for bound, n in zip(LATENCY_BUCKETS, latency.buckets, strict=True):
                cumulated += n
                lines.append(f'kiemdiem_update_seconds_bucket{{channel="{channel}",'
                             f'le="{bound}"}} {cumulated}')
            lines += [
                f'kiemdiem_update_seconds_bucket{{channel="{channel}",le="+Inf"}} '
                f'{latency.count}',
                f'kiemdiem_update_seconds_sum{{channel="{channel}"}} {latency.total:.6f}',
                f'kiemdiem_update_seconds_count{{channel="{channel}"}} {latency.count}']
        if backlog is not None:
            lines += ["# HELP kiemdiem_outbox_messages Outbox messages by status.",
                      "# TYPE kiemdiem_outbox_messages gauge"]
            lines += [f'kiemdiem_outbox_messages{{status="{status}"}} {n}'
                      for status, n in sorted(backlog.outbox.items())]
            lines += ["# HELP kiemdiem_outbox_backlog Outbox messages waiting to be sent.",
                      "# TYPE kiemdiem_outbox_backlog gauge",
                      f"kiemdiem_outbox_backlog {backlog.outbox.get('pending', 0)}",
                      "# HELP kiemdiem_outbox_oldest_due_seconds Wait of the oldest due message.",
                      "# TYPE kiemdiem_outbox_oldest_due_seconds gauge",
                      f"kiemdiem_outbox_oldest_due_seconds {oldest_due_age or 0:.3f}",
                      "# HELP kiemdiem_inbox_pending Updates stored, not yet handled.",
                      "# TYPE kiemdiem_inbox_pending gauge",
                      f"kiemdiem_inbox_pending {backlog.inbox_pending}"]
        if reminder_lag is not None:
            lines += ["# HELP kiemdiem_reminder_lag_seconds How late the last reminder run "
                      "started against its planned time.",
                      "# TYPE kiemdiem_reminder_lag_seconds gauge",
                      f"kiemdiem_reminder_lag_seconds {reminder_lag:.3f}"]
        return "\n".join(lines) + "\n"

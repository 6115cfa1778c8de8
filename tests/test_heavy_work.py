"""Documents and exports run in worker processes: the event loop keeps answering meanwhile,
the export reads only the texts it prints, and the runtime stops its workers."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys
import time
import zipfile
from pathlib import Path

import pytest
from docx import Document as open_docx

from bot.demo_reviews import sample_review
from bot.runtime import Runtime
from conversations.assistant import Assistant
from conversations.core.context import AssistantConfig
from conversations.core.heavy import WorkerPool
from storage.repos import Repos
from tests.conftest import Chat
from tests.secretary_helpers import link
from tests.test_committee_scale import Recording
from tests.test_runtime import OtherChannel, prepare, until


def in_worker(gate: str | None, fn, *args):
    """Run in the worker: say so (its process id), wait for the test's go if gated."""
    if gate is not None:
        Path(gate + ".started").write_text(str(os.getpid()))
        while not Path(gate).exists():  # the test opens the gate when it has seen enough
            time.sleep(0.005)
    return os.getpid(), fn(*args)


class Recorded:
    """A run_heavy over a real pool that notes which function ran in which process; the
    first call waits at a gate the test opens."""

    def __init__(self, pool: WorkerPool, gate: Path) -> None:
        self.pool, self.gate = pool, gate
        self.calls: list[tuple[str, int]] = []

    async def __call__(self, fn, *args):
        gate = str(self.gate) if not self.calls and not self.gate.exists() else None
        self.calls.append((fn.__name__, 0))
        pid, result = await self.pool.run(in_worker, gate, fn, *args)
        self.calls.append((fn.__name__, pid))
        return result


@pytest.fixture
async def pool():
    pool = WorkerPool(1)
    yield pool
    await pool.close()


async def _submitted(repos, clock, forms, org) -> None:
    for name in ("Nguyễn Thị Hồng Nhung", "Lê Minh Tuấn"):
        await sample_review(repos, forms, org[name], clock())
        clock.advance(minutes=10)


async def test_an_export_runs_in_a_worker_while_the_dialogue_answers(
        repos, forms, clock, org, pool, tmp_path):
    await _submitted(repos, clock, forms, org)
    heavy = Recorded(pool, tmp_path / "gate")
    assistant = Assistant(repos, forms, AssistantConfig(), clock, run_heavy=heavy)
    admin = Chat(assistant, await link(repos, clock, org["Bùi Thị Mai"]), "telegram")
    member = Chat(assistant, await link(repos, clock, org["Trần Văn Đức"]), "telegram")
    export = asyncio.create_task(admin.say("/export"))
    started = tmp_path / "gate.started"
    await until(started.exists)  # the export's first piece of work is in the worker now
    assert not export.done()
    for text in ("/help", "/review", "/progress"):  # meanwhile, the loop answers at once
        assert await member.say(text)
    assert not export.done()  # still held at the gate: the answers did not wait for it
    (tmp_path / "gate").touch()
    _xlsx, archive = (reply.document for reply in await export)
    workers = {pid for _name, pid in heavy.calls if pid}
    assert workers and os.getpid() not in workers
    assert int(started.read_text()) in workers
    assert {name for name, _pid in heavy.calls} == {
        "committee_xlsx", "review_documents", "docx_zip"}
    with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
        assert len(files.namelist()) == 2
        for name in files.namelist():
            assert "- Tổng điểm:" in "\n".join(
                p.text for p in open_docx(io.BytesIO(files.read(name))).paragraphs)


async def test_an_export_reads_only_the_texts_it_prints(repos, forms, clock, org, pool):
    await _submitted(repos, clock, forms, org)
    # Đức's and Bảo's drafts: their texts are not printed, so not read
    for name in ("Trần Văn Đức", "Đặng Quốc Bảo"):
        await sample_review(repos, forms, org[name], clock(), items=3, submit=False)
    recording = Recording(repos.db)
    assistant = Assistant(Repos.of(recording), forms, AssistantConfig(), clock,
                          run_heavy=pool.run)
    admin = Chat(assistant, await link(repos, clock, org["Bùi Thị Mai"]), "telegram")
    _xlsx, archive = (reply.document for reply in await admin.say("/export"))
    with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
        assert len(files.namelist()) == 2
    texts = [s for s in recording.statements if "a.item_key, a.text," in s]
    assert texts and all("r.id IN (" in s for s in texts)
    assert sum(s.count("?") - 1 for s in texts) == 2  # the year, then the two reviews
    # what else reads answers reads no long text
    others = [s for s in recording.statements if "answers a" in s and s not in texts]
    assert others and all("ELSE '…' END" in s for s in others)


async def test_the_runtime_prints_in_its_workers_and_stops_them(tmp_path, forms):
    """…and a dead worker is replaced: the update it failed is answered politely."""
    path = str(tmp_path / "runtime.sqlite3")
    members = await prepare(path, campaign=False)
    other = OtherChannel()
    runtime = Runtime(path, forms, [other], background=False, workers=1)
    await runtime.start()
    try:
        member = other.chat(f"o{members['Nguyễn Thị Hồng Nhung'].id}")
        replies = await member.say("/review")
        copy = [r for r in await member.say("/copy") if r.document]
        assert replies and copy and copy[0].document.content.startswith(b"PK")
        executor = runtime.pool._executor
        assert executor is not None
        killed = list(executor._processes.values())
        assert killed and all(w.pid != os.getpid() and w.is_alive() for w in killed)
        for worker in killed:  # a worker dies (out of memory…): the person is told
            worker.kill()
        await member.say("/copy")
        assert member.text.startswith("Xin lỗi đồng chí, trợ lý gặp sự cố")
        copy = [r for r in await member.say("/copy") if r.document]  # new workers
        assert copy and copy[0].document.content.startswith(b"PK")
        workers = list(runtime.pool._executor._processes.values())
        assert workers and not set(workers) & set(killed)
    finally:
        await runtime.stop()
    assert runtime.pool._executor is None
    assert not any(worker.is_alive() for worker in workers)


KILLED_BOT = """
import asyncio, os, signal
from conversations.core.heavy import WorkerPool

async def main():
    print(await WorkerPool(1).run(os.getpid), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""


async def test_a_killed_bot_leaves_no_worker_behind():
    """Its workers end with it: nothing keeps its output open or runs on unattended."""
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-c", KILLED_BOT, stdout=asyncio.subprocess.PIPE)
    worker = int(await bot.stdout.readline())
    assert worker != bot.pid
    assert await asyncio.wait_for(bot.stdout.read(), 30) == b""  # every holder has closed it
    assert await bot.wait() == -signal.SIGKILL

    def gone() -> bool:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return True
        return Path(f"/proc/{worker}/status").read_text().find("zombie") >= 0

    await until(gone)

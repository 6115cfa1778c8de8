"""Long work (documents, exports) in worker processes, never on the event loop.

A .docx or a committee's .zip is CPU work in Python: on the loop it would stop every
other conversation, and in a thread it holds the GIL (the dialogue's p99 went from 1.6 ms
to ~30 ms during an export). The dialogue hands such work to `ctx.run_heavy(fn, *args)`:
`fn` is a module-level function, its arguments and result plain data (pickled to and
from the worker), never a connection. The runtime owns one `WorkerPool` and closes it
when it stops; an Assistant made without one (tests, benchmarks) shares `shared_pool()`.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

# imported once by the fork server, so that each worker starts with them loaded
PRELOAD = ["conversations.review.printable", "conversations.secretary.exports"]


class RunHeavy(Protocol):
    def __call__(self, fn: Callable[..., T], /, *args: Any) -> Awaitable[T]: ...


def default_workers() -> int:
    """One core is left to the event loop (the dialogue); at least one worker."""
    return max(1, (os.cpu_count() or 2) - 1)


class WorkerPool:
    """Worker processes, started on first use, from a fork server: forking the bot's own
    process (threads, open connections) is unsafe, spawning re-imports everything."""

    def __init__(self, workers: int | None = None,
                 warm_up: Callable[[], object] | None = None) -> None:
        """`warm_up`: run in each worker by `start`, so that the first document after
        start-up does not wait for the workers to start and build their templates."""
        self.workers = workers or default_workers()
        self.warm_up = warm_up
        self._executor: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the workers now, in the background (else with the first piece of work)."""
        executor = self._started()
        if self.warm_up is not None:
            for _ in range(self.workers):  # each submission starts one more worker
                executor.submit(self.warm_up)

    async def run(self, fn: Callable[..., T], /, *args: Any) -> T:
        executor = self._started()
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, partial(fn, *args))
        except BrokenProcessPool:  # a worker died (killed, out of memory): new ones next time
            if self._executor is executor:
                self._executor = None
            raise

    def _started(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            self._executor = ProcessPoolExecutor(self.workers, mp_context=context,
                                                 initializer=worker_started)
        return self._executor

    async def close(self) -> None:
        """Work queued but not started is dropped; work under way finishes."""
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)


WORKER_NICENESS = 5  # under load, the dialogue's process gets the CPU first


def worker_started() -> None:
    """In each worker: a lower priority than the bot's own process, and an end when the
    process that started it ends, even killed (a worker waits for work on a pipe it also
    holds open, so it would never notice, and would keep the bot's stdout and the fork
    server alive)."""
    os.nice(WORKER_NICENESS)
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # its sentinel closes when the parent process ends
        os._exit(1)

    threading.Thread(target=watch, name="end-with-the-bot", daemon=True).start()


_shared: WorkerPool | None = None


def shared_pool() -> WorkerPool:
    """The process's pool for an Assistant given none (its workers end with the process)."""
    global _shared
    if _shared is None:
        _shared = WorkerPool()
    return _shared


async def run_in_shared_pool(fn: Callable[..., T], /, *args: Any) -> T:
    return await shared_pool().run(fn, *args)


async def close_shared_pool() -> None:
    """End the shared pool's workers now: a command that used it calls this before it
    returns. Left to the interpreter's exit, concurrent.futures wakes the pool's manager
    thread without the lock that guards its wake-up pipe (Lib/concurrent/futures/process.py,
    _python_exit), so the thread may be closing that pipe while it is written to: «OSError:
    [Errno 9] Bad file descriptor», once in a while, after the command's work is done."""
    global _shared
    pool, _shared = _shared, None
    if pool is not None:
        await pool.close()

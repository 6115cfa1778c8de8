"""`kiemdiem run` in its own process against the fake Bot API: a locked database, -v logs
without secrets or what people wrote, a revoked token."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from conversations.onboarding.invitations import display_code
from tests.conftest import bot_run_env
from tests.fakes.telegram_api import TEST_TOKEN
from tests.test_telegram_runner import org_with_invite

TUAN = 5001


@pytest.fixture
async def prepared(tmp_path):
    """The sample organisation and an invitation code for Lê Minh Tuấn."""
    path = tmp_path / "bot.sqlite3"
    code, _members = await org_with_invite(path)
    return path, code


class BotProcess:
    """`kiemdiem … run` with its output (stdout and stderr) collected as it comes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.output = ""
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            self.output += line.decode()
            self._changed.set()
        self._changed.set()

    async def running(self) -> None:
        """Until the runtime has started (database, channels, sender, scheduler)."""
        async with asyncio.timeout(20):
            while "kiemdiem is running" not in self.output:
                assert not self._reader.done(), self.output
                self._changed.clear()
                await self._changed.wait()

    async def exited(self) -> str:
        async with asyncio.timeout(20):
            await self._reader
            await self.proc.wait()
        return self.output

    async def stop(self) -> str:
        """SIGTERM; the whole output once the process has exited cleanly."""
        self.proc.send_signal(signal.SIGTERM)
        output = await self.exited()
        assert self.proc.returncode == 0, output
        return output


Start = Callable[..., Awaitable[BotProcess]]


@contextlib.asynccontextmanager
async def bot_processes(cwd) -> AsyncIterator[Start]:
    """`start(env, *args)` runs `kiemdiem [args] run`; every process is gone afterwards."""
    processes: list[BotProcess] = []

    async def start(env: dict[str, str], *args: str) -> BotProcess:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, "run", cwd=cwd, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        processes.append(BotProcess(proc))
        return processes[-1]

    try:
        yield start
    finally:
        for bot in processes:
            if bot.proc.returncode is None:
                bot.proc.kill()
                await bot.proc.wait()


@pytest.fixture
async def run_bot(fake, prepared, tmp_path):
    """Starts `kiemdiem [args] run`; every process is gone afterwards."""
    async with bot_processes(tmp_path) as start:
        yield lambda *args, **env: start(bot_run_env(fake.url, prepared[0], **env), *args)


async def reply_to(fake, text: str) -> str:
    mark = len(fake.calls)
    fake.push_message(TUAN, text)
    sent = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == TUAN,
                               after=mark, timeout=15)
    return sent.params["text"]


async def test_a_locked_database_is_answered_and_the_next_message_served(
        fake, prepared, run_bot):
    path, code = prepared
    bot = await run_bot(KIEMDIEM_BUSY_TIMEOUT_MS="200")
    await bot.running()
    locker = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        locker.execute("BEGIN EXCLUSIVE")  # held longer than the bot's busy timeout
        answer = await reply_to(fake, f"/start {code}")
        assert "chưa lưu được tin nhắn vừa gửi" in answer and "gửi lại" in answer
        # nothing was written: not even the account of this new person
        assert locker.execute("SELECT count(*) FROM accounts").fetchone()[0] == 0
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert "Chào đồng chí Lê Minh Tuấn." in await reply_to(fake, f"/start {code}")
    output = await bot.stop()
    failures = [line for line in output.splitlines() if "telegram text update failed" in line]
    assert len(failures) == 1, output
    assert "OperationalError (database is locked)" in failures[0]
    assert code not in output and display_code(code) not in output


async def test_verbose_logs_carry_no_token_and_nothing_people_wrote(fake, prepared, run_bot):
    _path, code = prepared
    bot = await run_bot("-v")
    await bot.running()
    assert "Chào đồng chí Lê Minh Tuấn." in await reply_to(fake, f"/start {code}")
    await reply_to(fake, "Câu trả lời riêng tư 4711")
    output = await bot.stop()
    assert " DEBUG " in output  # -v took effect
    assert TEST_TOKEN not in output
    assert TEST_TOKEN.split(":")[1] not in output
    assert code not in output and "riêng tư 4711" not in output


async def test_a_revoked_token_is_one_line_naming_the_setting(fake, run_bot):
    fake.revoked = True  # getMe answers 401
    bot = await run_bot()
    output = await bot.exited()
    assert bot.proc.returncode == 2, output
    assert "Traceback" not in output and TEST_TOKEN not in output
    lines = output.strip().splitlines()
    assert lines[-1].startswith("kiemdiem: Telegram từ chối TELEGRAM_BOT_TOKEN (401")
    assert not [line for line in lines if " ERROR " in line or " WARNING " in line]


LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR|CRITICAL)"
    r" logger=\S+ msg=(\S+|\"([^\"\\]|\\.)*\")( exc=\"([^\"\\]|\\.)*\")?$")


async def test_log_is_one_structured_line_per_event_without_answers_codes_or_token(
        fake, prepared, run_bot):
    """A member links, answers their review, a reply fails every try, another finds the bot
    blocked: each event one line, and none holds the answer, the code or the token."""
    _path, code = prepared
    answer = "Nhận xét riêng tư số 8842 về đồng chí tổ trưởng"
    bot = await run_bot("-v")
    await bot.running()
    assert "Lê Minh Tuấn" in await reply_to(fake, f"/start {display_code(code)}")
    await reply_to(fake, "/review")
    await reply_to(fake, answer)
    # the reply to the next answer is refused every time it is tried (4 tries); the
    # polite failure message follows
    fake.fail("sendMessage", kind="server_error", chat_id=TUAN, times=4)
    mark = len(fake.calls)
    fake.push_message(TUAN, answer + " (tiếp)")
    await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == TUAN
                        and c.outcome == "ok", after=mark, timeout=30)
    fake.fail("sendMessage", kind="forbidden", chat_id=TUAN, times=1)  # then blocked
    mark = len(fake.calls)
    fake.push_message(TUAN, answer + " (nữa)")
    await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == TUAN
                        and c.outcome == "forbidden", after=mark, timeout=15)
    await reply_to(fake, "/help")  # the refusal was handled before this is answered
    output = await bot.stop()
    assert "telegram update failed: NetworkError" in output and "blocked the bot" in output
    assert [line for line in output.strip().splitlines() if not LOG_LINE.match(line)] == []
    for secret in (answer, "8842", code, display_code(code), TEST_TOKEN,
                   TEST_TOKEN.split(":")[1]):
        assert secret not in output, secret

"""python-telegram-bot's request interface on aiohttp: the outbox sender's HTTP client.

PTB's default HTTPXRequest spends ~1.3 ms of CPU per Bot API call in httpx/httpcore, which
caps one process at a few hundred messages/s (bench/broadcast.py); aiohttp costs a fraction
of that. The wire format is HTTPXRequest's: parameters as JSON-encoded values in an
``application/x-www-form-urlencoded`` body, or ``multipart/form-data`` when files are uploaded.

Timeouts as in httpx: ``pool_timeout`` for a free slot among ``connection_pool_size``
(then TimedOut, and nothing was sent), ``connect_timeout`` for a new connection,
``read_timeout`` for each wait on the server once the request is written. aiohttp has no
per-write timeout, so for uploads ``media_write_timeout`` (or ``write_timeout`` when given)
bounds the whole request instead: total = connect + write + read, unbounded if any of them
is None; other requests are small forms that the socket takes at once.

Unlike httpx, proxies from the environment (HTTPS_PROXY, .netrc) are ignored unless
``trust_env=True`` (aiohttp then reads .netrc on a thread for every request).
"""

from __future__ import annotations

import asyncio

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from handlers.redact import redact

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# httpx's (HTML5) escaping of file names in multipart headers; aiohttp's own would
# percent-encode every non-ASCII letter and Telegram would show "h%C6%B0%E1%BB%9Bng-dan.pdf".
# aiohttp still doubles backslashes, as httpx does.
FILENAME_ESCAPES = str.maketrans({'"': "%22"} | {chr(c): f"%{c:02X}" for c in range(0x20)
                                                 if c != 0x1B})


def _sum(*parts: float | None) -> float | None:
    return None if any(part is None for part in parts) else sum(parts)  # type: ignore[arg-type]


class AiohttpRequest(BaseRequest):
    """One ``aiohttp.ClientSession`` (keep-alive connections, at most ``connection_pool_size``
    at once), opened by :meth:`initialize` inside the running event loop."""

    __slots__ = ("_defaults", "_media_write_timeout", "_pool_size", "_session", "_slots",
                 "_timeouts", "_trust_env")

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        trust_env: bool = False,
    ) -> None:
        self._pool_size = connection_pool_size
        self._defaults = {"read": read_timeout, "write": write_timeout,
                          "connect": connect_timeout, "pool": pool_timeout}
        self._media_write_timeout = media_write_timeout
        self._trust_env = trust_env
        self._session: aiohttp.ClientSession | None = None
        # aiohttp's connector has no pool timeout of its own: a semaphore of the pool's size
        # lets a request wait pool_timeout at most, and the connector never has to wait
        self._slots = asyncio.Semaphore(connection_pool_size)
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._defaults["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._slots = asyncio.Semaphore(self._pool_size)  # bound to the current loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                trust_env=self._trust_env,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        uploads = request_data is not None and request_data.contains_files
        if read_timeout is BaseRequest.DEFAULT_NONE:
            read_timeout = self._defaults["read"]
        if write_timeout is BaseRequest.DEFAULT_NONE:
            write_timeout = self._media_write_timeout if uploads else self._defaults["write"]
        if connect_timeout is BaseRequest.DEFAULT_NONE:
            connect_timeout = self._defaults["connect"]
        if pool_timeout is BaseRequest.DEFAULT_NONE:
            pool_timeout = self._defaults["pool"]
        # a small form fits in the socket's buffer at once: only uploads need the overall bound
        total = _sum(connect_timeout, write_timeout, read_timeout) if uploads else None
        timeout = self._timeouts.get((total, connect_timeout, read_timeout))
        if timeout is None:  # a handful of distinct values: kept, not rebuilt every request
            timeout = aiohttp.ClientTimeout(total=total, connect=connect_timeout,
                                            sock_connect=connect_timeout, sock_read=read_timeout)
            self._timeouts[(total, connect_timeout, read_timeout)] = timeout
        body, headers = _body(request_data)
        await self._take_slot(pool_timeout)
        try:
            async with session.request(method, url, data=body, headers=headers,
                                       timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # aiohttp's connect, read and total timeouts
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # some aiohttp errors quote the URL, and the URL holds the token
            raise NetworkError(f"aiohttp.{type(err).__name__}: {redact(str(err))}") from err
        finally:
            self._slots.release()

    async def _take_slot(self, pool_timeout: float | None) -> None:
        if not self._slots.locked():
            await self._slots.acquire()  # free: no wait, and no timer to arm
            return
        try:
            async with asyncio.timeout(pool_timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise TimedOut(
                "Pool timeout: All connections in the connection pool are occupied. "
                "Request was *not* sent to Telegram. Consider adjusting the connection "
                "pool size or the pool timeout."
            ) from None


def _body(
    request_data: RequestData | None,
) -> tuple[bytes | aiohttp.FormData | None, dict[str, str] | None]:
    """The request body as HTTPXRequest builds it, and its content type when aiohttp
    would not set it."""
    if request_data is None:
        return None, None
    if request_data.contains_files:
        form = aiohttp.FormData(quote_fields=False)
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, (filename, content, mimetype) in request_data.multipart_data.items():
            form.add_field(name, content, filename=filename.translate(FILENAME_ESCAPES),
                           content_type=mimetype)
        return form, None
    encoded = request_data.url_encoded_parameters()
    return (encoded.encode("ascii"), FORM) if encoded else (None, None)

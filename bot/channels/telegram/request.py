"""python-telegram-bot's HTTP layer on aiohttp instead of HTTPX.

PTB's default ``HTTPXRequest`` costs more per request than everything else the bot
does for a ``/due`` (docs/benchmarks.md, "Issue 9: inbound"): measured on the same
harness, a bare PTB echo bot answered 234 updates/s with it and 420 on aiohttp,
and with concurrent updates HTTPX's pool contention brought it down to 110/s.
The bot already runs aiohttp for its webhooks and for Zalo, so this adds
no dependency: one ``ClientSession`` with a connection pool per ``Bot``.

PTB's contract (``BaseRequest.do_request``): return the HTTP status and the body,
raise ``TimedOut`` on a timeout and ``NetworkError`` on any other transport failure;
PTB itself turns statuses into its errors (``RetryAfter``, ``Forbidden`` …). The
parameters go as an HTML form, as HTTPX sends them, or as multipart with files.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB's defaults for HTTPXRequest, kept so behaviour under a slow Telegram is as before.
READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0
POOL_SIZE = 256  # connections kept open to the Bot API (HTTPX's default: 1, then 256)


class AiohttpRequest(BaseRequest):
    """One aiohttp session, opened by ``initialize`` and closed by ``shutdown``."""

    def __init__(self, *, pool_size: int = POOL_SIZE,
                 read_timeout: float | None = READ_TIMEOUT,
                 write_timeout: float | None = WRITE_TIMEOUT,
                 connect_timeout: float | None = CONNECT_TIMEOUT,
                 pool_timeout: float | None = POOL_TIMEOUT,
                 media_write_timeout: float | None = MEDIA_WRITE_TIMEOUT) -> None:
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(self, url: str, method: str,
                         request_data: RequestData | None = None,
                         read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
                         write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
                         connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
                         pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
                         ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        body = _body(request_data, files)
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write = (self._write_timeout if not files else self._media_write_timeout) \
            if isinstance(write_timeout, DefaultValue) else write_timeout
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) \
            else connect_timeout
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        # aiohttp has no separate write timeout: sending the request counts against
        # the read timeout (sock_read covers each wait for data), so the total allows
        # for both, like HTTPX allowing each phase its own.
        total = None if read is None or write is None else read + write + (pool or 0) \
            + (connect or 0)
        # aiohttp's ``connect`` is taking a pooled connection *including* opening one.
        acquire = None if connect is None else connect + (pool or 0)
        timeout = aiohttp.ClientTimeout(total=total, connect=acquire, sock_connect=connect,
                                        sock_read=read)
        try:
            async with self._session.request(method, url, data=body,
                                             timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error


def _body(request_data: RequestData | None,
          files: dict[str, Any] | None) -> aiohttp.FormData | dict[str, str] | None:
    """The parameters as an HTML form (JSON-encoded values, as PTB gives them), or
    multipart with the files to upload."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not files:
        return fields
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form

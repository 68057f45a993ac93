"""The bot's one HTTP server (aiohttp): the channels' webhooks and GET /healthz.

Channels add their routes before start. The body size is capped: a webhook update
is a few kilobytes, and anything near the cap is hostile.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
HealthCheck = Callable[[], Awaitable[dict[str, Any]]]


class HttpServer:
    def __init__(self, host: str, port: int, health: HealthCheck) -> None:
        self.host = host
        self.requested_port = port
        self._health = health
        self.web = web.Application(client_max_size=MAX_BODY)
        self.web.router.add_get("/healthz", self._healthz)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    def add_post(self, path: str, handler: Callable[[web.Request], Awaitable[web.Response]]) \
            -> None:
        self.web.router.add_post(path, handler)

    def add_get(self, path: str, handler: Callable[[web.Request], Awaitable[web.Response]]) \
            -> None:
        self.web.router.add_get(path, handler)

    async def _healthz(self, request: web.Request) -> web.Response:
        report = await self._health()
        status = 200 if report.get("status") == "ok" else 503
        return web.json_response(report, status=status)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.web, access_log=None)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, self.requested_port)
        await self._site.start()
        log.info("HTTP server listening on http://%s:%s", self.host, self.port)

    @property
    def port(self) -> int:
        """The bound port (useful when asked for port 0)."""
        if self._runner is None or not self._runner.addresses:
            return self.requested_port
        return int(self._runner.addresses[0][1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

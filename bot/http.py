"""The bot's one HTTP server (aiohttp): the channels' webhooks, GET /healthz and
GET /metrics.

Channels add their routes before start. The body size is capped: a webhook update
is a few kilobytes, and anything near the cap is hostile. Once the service is
stopping (``draining``), every POST — the webhooks — gets 503: the platforms keep
an update they could not deliver and send it again, to this process after its
restart or to another one, so nothing is accepted that might not be handled.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.metrics import CONTENT_TYPE

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
HealthCheck = Callable[[], Awaitable[dict[str, Any]]]
MetricsPage = Callable[[], Awaitable[str]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HttpServer:
    def __init__(self, host: str, port: int, health: HealthCheck,
                 metrics: MetricsPage | None = None) -> None:
        self.host = host
        self.requested_port = port
        self._health = health
        self._metrics = metrics
        self.draining = False
        self.web = web.Application(client_max_size=MAX_BODY,
                                   middlewares=[self._refuse_when_draining])
        self.web.router.add_get("/healthz", self._healthz)
        if metrics is not None:
            self.web.router.add_get("/metrics", self._metrics_page)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    def add_post(self, path: str, handler: Callable[[web.Request], Awaitable[web.Response]]) \
            -> None:
        self.web.router.add_post(path, handler)

    def add_get(self, path: str, handler: Callable[[web.Request], Awaitable[web.Response]]) \
            -> None:
        self.web.router.add_get(path, handler)

    @web.middleware
    async def _refuse_when_draining(self, request: web.Request,
                                    handler: Handler) -> web.StreamResponse:
        if self.draining and request.method == "POST":
            return web.Response(status=503, text="stopping", headers={"Retry-After": "5"})
        return await handler(request)

    async def _healthz(self, request: web.Request) -> web.Response:
        report = await self._health()
        status = 200 if report.get("status") == "ok" else 503
        return web.json_response(report, status=status)

    async def _metrics_page(self, request: web.Request) -> web.Response:
        assert self._metrics is not None
        response = web.Response(text=await self._metrics())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

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

"""Running the bot as a service: the HTTP server (webhooks, /healthz, files by link)
and the messenger channels — Telegram, Zalo, or both in one process — until told to
stop."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

from sqlalchemy import text

from bot.app import App
from bot.channels.telegram.channel import WEBHOOK_PATH, TelegramChannel
from bot.channels.telegram.sender import Sleep
from bot.channels.web import CHANNEL as WEB_CHANNEL
from bot.channels.web import WebChat
from bot.channels.zalo.channel import WEBHOOK_PATH as ZALO_WEBHOOK_PATH
from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.client import ZaloClient
from bot.file_shelf import ROUTE as FILES_ROUTE
from bot.file_shelf import FileShelf
from bot.http import HttpServer
from bot.outbox import OutboxChannel
from bot.scheduler import ReminderScheduler

log = logging.getLogger(__name__)


async def database_answers(app: App) -> bool:
    try:
        async with app.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: the database does not answer")
        return False
    return True


class Service:
    """Everything ``nhacviec run`` starts when a messenger token is set."""

    def __init__(self, app: App, *, sleep: Sleep = asyncio.sleep,
                 web: WebChat | None = None) -> None:
        settings = app.settings
        self.app = app
        self.http = HttpServer(settings.http_host, settings.http_port, self.health)
        self.telegram: TelegramChannel | None = None
        outbox_channels: dict[str, OutboxChannel] = {}
        if settings.telegram_token:
            webhook = settings.webhook_url is not None
            self.telegram = TelegramChannel(app, sleep=sleep, webhook=webhook)
            outbox_channels["telegram"] = self.telegram
            if webhook:
                self.http.add_post(WEBHOOK_PATH, self.telegram.handle_webhook)
        self.zalo: ZaloChannel | None = None
        if settings.zalo_token:
            # Zalo takes no documents: files go by link from this server.
            files = FileShelf(app.sessions, settings.webhook_url, clock=app.clock)
            self.http.add_get(FILES_ROUTE, files.serve)
            client = ZaloClient(settings.zalo_token, api_url=settings.zalo_api_url)
            webhook = settings.webhook_url is not None
            self.zalo = ZaloChannel(app, client, webhook=webhook, files=files, sleep=sleep)
            outbox_channels["zalo"] = self.zalo
            if webhook:
                self.http.add_post(ZALO_WEBHOOK_PATH, self.zalo.handle_webhook)
        # The local web chat (no token, or --local): its page, socket and pushes.
        self.web = web
        if web is not None:
            web.add_routes(self.http.web)
            outbox_channels[WEB_CHANNEL] = web
        self.scheduler = ReminderScheduler(app, outbox_channels, sleep=sleep)
        if web is not None:
            web.scheduler = self.scheduler

    async def health(self) -> dict[str, Any]:
        database = await database_answers(self.app)
        channels = {}
        if self.telegram is not None:
            channels["telegram"] = {"last_contact": self.telegram.last_contact}
        if self.zalo is not None:
            channels["zalo"] = {"last_contact": self.zalo.last_contact}
        return {"status": "ok" if database else "error",
                "database": "ok" if database else "error", "channels": channels,
                "scheduler": {"last_tick": self.scheduler.last_tick}}

    async def start(self) -> None:
        await self.http.start()
        if self.web is not None:
            self.web.ready(self.http.url)
        if self.telegram is not None:
            await self.telegram.start()
        if self.zalo is not None:
            await self.zalo.start()
        await self.scheduler.start()

    async def stop(self) -> None:
        await self.scheduler.stop()
        if self.zalo is not None:
            await self.zalo.stop()
        if self.telegram is not None:
            await self.telegram.stop()
        await self.http.stop()

    async def run_until(self, stop: asyncio.Event) -> None:
        await self.start()
        # Everything loaded at start (the libraries, the directory, the plans) lives as
        # long as the process: out of the collector's way, a full collection no longer
        # stops the loop for ~90 ms in the middle of a broadcast (docs/benchmarks.md).
        gc.collect()
        gc.freeze()
        try:
            await stop.wait()
        finally:
            await self.stop()

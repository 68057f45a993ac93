"""Running the bot as a service: the HTTP server (webhooks, /healthz, files by link)
and the messenger channels — Telegram, Zalo, or both in one process — until told to
stop."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

from sqlalchemy import text

from bot import metrics
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
from storage import outbox as outbox_store

log = logging.getLogger(__name__)


# A health check must answer fast even when the database does not.
DATABASE_TIMEOUT = 2.0


async def database_answers(app: App) -> bool:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), app.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except TimeoutError:
        log.error("health check: the database did not answer within %.1f s",
                  DATABASE_TIMEOUT)
        return False
    except Exception:
        log.exception("health check: the database does not answer")
        return False
    return True


async def outbox_backlog(app: App) -> tuple[int, float | None]:
    """How many outbox messages are due now, and the oldest one's age in seconds."""
    now = app.clock()
    async with asyncio.timeout(DATABASE_TIMEOUT), app.sessions() as session:
        depth, oldest = await outbox_store.outbox_depth(session, now=now)
    return depth, (now - oldest).total_seconds() if oldest is not None else None


class Service:
    """Everything ``nhacviec run`` starts when a messenger token is set."""

    def __init__(self, app: App, *, sleep: Sleep = asyncio.sleep,
                 web: WebChat | None = None) -> None:
        settings = app.settings
        self.app = app
        self.http = HttpServer(settings.http_host, settings.http_port, self.health,
                               self.metrics_page)
        self.stopping = False
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
        """What ``GET /healthz`` shows; ``status`` is "ok" (HTTP 200) unless the
        database does not answer, the reminder engine is stuck, or the service is
        stopping (503). A channel nobody wrote to lately is no problem: its last
        contact is shown for the operator to judge."""
        now = self.app.clock()
        database = await database_answers(self.app)
        overdue = self.scheduler.overdue(now)
        outbox: dict[str, Any] = {"depth": None, "oldest_age_seconds": None}
        if database:
            try:
                depth, age = await outbox_backlog(self.app)
                outbox = {"depth": depth, "oldest_age_seconds": age}
            except Exception:
                log.exception("health check: could not measure the outbox")
        problems = [problem for problem, bad in (
            ("database unreachable", not database), ("scheduler stuck", overdue),
            ("stopping", self.stopping)) if bad]
        return {"status": "error" if problems else "ok", "problems": problems,
                "database": "ok" if database else "error",
                "scheduler": {"last_tick": self.scheduler.last_tick, "overdue": overdue},
                "channels": {name: {"last_contact": channel.last_contact}
                             for name, channel in self._channels().items()},
                "outbox": outbox}

    def _channels(self) -> dict[str, TelegramChannel | ZaloChannel]:
        found: dict[str, TelegramChannel | ZaloChannel] = {}
        if self.telegram is not None:
            found["telegram"] = self.telegram
        if self.zalo is not None:
            found["zalo"] = self.zalo
        return found

    async def _measure(self) -> None:
        """The scrape-time gauges: the database, the outbox, the engine's last tick."""
        now = self.app.clock()
        database = await database_answers(self.app)
        metrics.DATABASE_UP.set(1 if database else 0)
        if database:
            try:
                depth, age = await outbox_backlog(self.app)
            except Exception:
                log.exception("metrics: could not measure the outbox")
            else:
                metrics.OUTBOX_DEPTH.set(depth)
                metrics.OUTBOX_OLDEST.set(age or 0.0)
        since = self.scheduler.last_tick_at or self.scheduler.started_at
        if since is not None:
            metrics.TICK_AGE.set(max(0.0, (now - since).total_seconds()))

    async def metrics_page(self) -> str:
        return await metrics.METRICS.collect_with([self._measure])

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
        """Graceful: the webhooks answer 503 from now on (the platforms send those
        updates again later) and /healthz says "stopping"; the outbox finishes the
        message it is sending and hands the rest of its batch back (pending, for the
        next start); each channel stops polling and lets the updates it accepted be
        handled and answered; then the connections close. The database is closed by
        ``running_app`` after this returns."""
        self.stopping = True
        self.http.draining = True
        log.info("stopping: no new updates; finishing the ones in hand")
        await self.scheduler.stop()
        if self.zalo is not None:
            await self.zalo.stop()
        if self.telegram is not None:
            await self.telegram.stop()
        await self.http.stop()
        log.info("stopped cleanly")

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

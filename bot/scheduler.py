"""The periodic tick: APScheduler wakes the reminder engine; the outbox worker sends.

The scheduler holds no state of its own: what is due is computed from the database
on every tick, so a restart or a late tick loses nothing (and APScheduler's misfire
rules cannot silently drop a run: there is only ever "the next tick").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from bot.outbox import OutboxChannel, OutboxWorker, Sleep

log = logging.getLogger(__name__)

# The engine counts as stuck once this many ticks went by without a successful one
# (and never sooner than STUCK_AT_LEAST: a short tick in tests or a slow database).
STUCK_AFTER_TICKS = 3
STUCK_AT_LEAST = timedelta(minutes=2)


def worker_name() -> str:
    """Who holds an outbox lease: enough to find the process in a log."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class ReminderScheduler:
    def __init__(self, app: App, channels: Mapping[str, OutboxChannel], *,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.app = app
        self.worker = OutboxWorker(app.sessions, channels, clock=app.clock, owner=worker_name(),
                                   rate_per_second=app.settings.outbox_rate, sleep=sleep,
                                   wake=app.services.outbox_wake,
                                   lease=timedelta(seconds=app.settings.outbox_lease_seconds))
        self._scheduler: AsyncIOScheduler | None = None
        self._stop = asyncio.Event()
        self._worker_task: asyncio.Task[None] | None = None
        self.last_tick: str | None = None
        self.last_tick_at: datetime | None = None
        self.started_at: datetime | None = None

    async def tick(self) -> None:
        try:
            # An admin's edit in another process (or the shell) reaches this one here.
            if await self.app.services.reload_if_changed():
                await self.app.usecases.reminders.load_overrides()
            result = await self.app.usecases.reminders.tick(self.app.clock())
        except Exception:
            log.exception("reminder tick failed; the next tick will catch up")
            return
        self.last_tick = result.end.isoformat()
        self.last_tick_at = self.app.clock()
        if result.enqueued:
            self.worker.wake.set()

    def overdue(self, now: datetime) -> bool:
        """No successful tick for several tick periods since start: the engine is
        stuck (a failing database, a hung tick) and reminders are not going out."""
        since = self.last_tick_at or self.started_at
        if since is None:
            return False  # not started: nothing to be late for
        allowance = max(STUCK_AT_LEAST, timedelta(
            seconds=STUCK_AFTER_TICKS * self.app.settings.reminder_tick_seconds))
        return now - since > allowance

    async def watch_broadcasts(self) -> None:
        try:
            await self.app.monitor.tick(self.app.clock())
        except Exception:
            log.exception("broadcast monitor failed; it looks again shortly")

    async def start(self) -> None:
        self.started_at = self.app.clock()
        scheduler = AsyncIOScheduler(timezone=self.app.settings.timezone)
        # coalesce + no misfire limit: a late or doubled wake-up is one tick, never none.
        scheduler.add_job(self.tick, "interval",
                          seconds=self.app.settings.reminder_tick_seconds,
                          coalesce=True, max_instances=1, misfire_grace_time=None)
        scheduler.add_job(self.watch_broadcasts, "interval",
                          seconds=self.app.settings.broadcast_progress_seconds,
                          coalesce=True, max_instances=1, misfire_grace_time=None)
        scheduler.start()
        self._scheduler = scheduler
        await self.tick()  # at once: catch up what fell due while the bot was down
        await self.watch_broadcasts()  # and carry on a broadcast a crash interrupted
        self._worker_task = asyncio.create_task(self.worker.run(self._stop))

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        self._stop.set()
        if self._worker_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker_task
            self._worker_task = None

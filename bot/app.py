"""The composition root: settings → database → seed → services → router.

The only place that reads the clock for start-up and wires concrete classes
together; everything below receives what it needs as arguments.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.broadcast_monitor import BroadcastMonitor
from bot.config import Settings
from bot.datafiles import load_directory, load_plan
from bot.delivery import Delivery
from bot.members import MemberRole
from bot.services import Services
from bot.usecases import UseCases
from handlers.broadcast_view import progress_card, render_broadcast
from handlers.reminder_view import render_reminder
from handlers.router import Router
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.seed import ensure_seeded, has_units

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    services: Services
    usecases: UseCases
    router: Router
    clock: Clock
    delivery: Delivery  # replies addressed to other chats, on any running channel
    monitor: BroadcastMonitor  # running broadcasts' progress cards and summaries


async def _bootstrap_admins(services: Services, admins: tuple[str, ...], at: datetime) -> None:
    """Make the members named in NHACVIEC_ADMINS admins (creating them if new)."""
    for admin in admins:
        channel, _, user_id = admin.partition(":")
        existing = await services.member(channel, user_id)
        if existing is None or not existing.is_admin:
            # On Telegram and locally a user's private chat has the user's id; on Zalo
            # the chat id is learned when the admin first writes.
            chat_id = None if channel == "zalo" else user_id
            await services.enroll(channel, user_id, role=MemberRole.ADMIN, at=at,
                                  unit_id=existing.unit_id if existing else None,
                                  chat_id=chat_id)


@asynccontextmanager
async def running_app(settings: Settings, clock: Clock = utc_now) -> AsyncIterator[App]:
    """Migrate, seed on first start, load the directory and plans, and close cleanly."""
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        sessions = session_factory(engine)
        # The shipped directory and plan are read (YAML) only for a database that
        # has no units yet; ensure_seeded decides, racing processes included.
        if not await has_units(sessions):
            directory = load_directory()
            seeded = await ensure_seeded(sessions, directory=directory,
                                         plan=load_plan(directory=directory), at=clock())
            if seeded:
                log.info("new database: loaded the unit directory and the seed plan")
        services = Services(settings, sessions)
        await services.reload()
        await _bootstrap_admins(services, settings.admins, clock())
        usecases = UseCases.build(services, render_reminder, render_broadcast)
        await usecases.reminders.load_overrides()
        delivery = Delivery()
        monitor = BroadcastMonitor(usecases.broadcasts, delivery, progress_card,
                                   directory=lambda: services.directory,
                                   every_seconds=settings.broadcast_progress_seconds)
        yield App(settings, engine, sessions, services, usecases, Router(usecases), clock,
                  delivery, monitor)
    finally:
        await engine.dispose()

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

from bot.config import Settings
from bot.datafiles import load_directory, load_plan
from bot.members import MemberRole
from bot.services import Services
from handlers.router import Router
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.seed import ensure_seeded

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
    router: Router
    clock: Clock


async def _bootstrap_admins(services: Services, admins: tuple[str, ...], at: datetime) -> None:
    """Make the members named in NHACVIEC_ADMINS admins (creating them if new)."""
    for admin in admins:
        channel, _, user_id = admin.partition(":")
        existing = await services.member(channel, user_id)
        if existing is None or not existing.is_admin:
            await services.enroll(channel, user_id, role=MemberRole.ADMIN, at=at,
                                  unit_id=existing.unit_id if existing else None)


@asynccontextmanager
async def running_app(settings: Settings, clock: Clock = utc_now) -> AsyncIterator[App]:
    """Migrate, seed on first start, load the directory and plans, and close cleanly."""
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        sessions = session_factory(engine)
        directory = load_directory()
        seeded = await ensure_seeded(sessions, directory=directory,
                                     plan=load_plan(directory=directory), at=clock())
        if seeded:
            log.info("new database: loaded the unit directory and the seed plan")
        services = Services(settings, sessions)
        await services.reload()
        await _bootstrap_admins(services, settings.admins, clock())
        yield App(settings, engine, sessions, services, Router(services), clock)
    finally:
        await engine.dispose()

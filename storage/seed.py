"""First start: fill an empty database with the shipped directory and plan."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.plans import Plan
from bot.units import Directory
from storage.models import UnitRow
from storage.plans import save_plan
from storage.units import save_directory


async def _has_units(session: AsyncSession) -> bool:
    return await session.scalar(select(UnitRow.id).limit(1)) is not None


async def has_units(sessionmaker: async_sessionmaker[AsyncSession]) -> bool:
    """Whether anyone has been here: the database has a unit directory."""
    async with sessionmaker() as session:
        return await _has_units(session)


async def ensure_seeded(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    directory: Directory,
    plan: Plan,
    at: datetime,
) -> bool:
    """Seed ``directory`` and ``plan`` in one transaction if the database has no units.

    Returns True when it seeded. Any unit at all means someone has been here: admins'
    edits are never overwritten and a restart never duplicates anything.
    """
    try:
        async with sessionmaker.begin() as session:
            if await _has_units(session):
                return False
            await save_directory(session, directory, at=at)
            await save_plan(session, plan, at=at)
            return True
    except IntegrityError:
        # Another process seeded between our check and our insert; it won, fine.
        # Anything else (say, a plan naming an unknown unit) is a real error.
        async with sessionmaker() as session:
            if await _has_units(session):
                return False
        raise

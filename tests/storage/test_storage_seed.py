"""The first start seeds; later starts leave admins' edits alone."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.plans import Plan
from bot.units import Directory
from storage.models import TaskRow, UnitRow
from storage.plans import load_plans
from storage.seed import ensure_seeded
from storage.units import load_directory


async def test_seeds_once(
    sessionmaker: async_sessionmaker[AsyncSession], directory: Directory, plan: Plan,
    now: datetime,
) -> None:
    assert await ensure_seeded(sessionmaker, directory=directory, plan=plan, at=now) is True

    async with sessionmaker.begin() as session:  # an admin renames a unit
        unit = await session.get(UnitRow, "so-xd")
        assert unit is not None
        unit.name = "Sở Xây dựng tỉnh Bắc Ninh"
    later = now + timedelta(days=1)
    again = await ensure_seeded(sessionmaker, directory=directory,
                                plan=replace(plan, title="other"), at=later)
    assert again is False

    async with sessionmaker() as session:
        loaded = await load_directory(session)
        assert await load_plans(session) == [plan]
        assert await session.scalar(select(func.count()).select_from(TaskRow)) == len(plan.tasks)
    assert loaded.get("so-xd").name == "Sở Xây dựng tỉnh Bắc Ninh"
    assert len(loaded) == len(directory)


async def test_a_failed_seed_leaves_nothing_behind(
    sessionmaker: async_sessionmaker[AsyncSession], directory: Directory, plan: Plan,
    now: datetime,
) -> None:
    # A plan naming a unit the directory lacks: the foreign key fails, all rolls back.
    broken = replace(plan, tasks=(replace(plan.tasks[0], lead=("no-such-unit",)),))
    with pytest.raises(IntegrityError):
        await ensure_seeded(sessionmaker, directory=directory, plan=broken, at=now)
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(UnitRow)) == 0
    assert await ensure_seeded(sessionmaker, directory=directory, plan=plan, at=now) is True


async def test_racing_first_starts_seed_once(
    sessionmaker: async_sessionmaker[AsyncSession], directory: Directory, plan: Plan,
    now: datetime,
) -> None:
    results = await asyncio.gather(*(
        ensure_seeded(sessionmaker, directory=directory, plan=plan, at=now) for _ in range(2)
    ))
    assert sorted(results) == [False, True]
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(UnitRow)) == len(directory)

"""Datetimes go in aware, come back aware and equal; JSON None is SQL NULL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.audit import record
from storage.models import AuditEntry

HANOI = timezone(timedelta(hours=7))


async def _record(session: AsyncSession, at: datetime, action: str = "test") -> AuditEntry:
    return await record(session, actor="cli", action=action, target=None, detail=None,
                        outcome="ok", at=at)


async def test_aware_datetimes_come_back_aware_utc_and_equal(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    at = datetime(2023, 8, 31, 23, 59, 59, 123456, tzinfo=HANOI)
    async with sessionmaker.begin() as session:
        entry_id = (await _record(session, at)).id
    async with sessionmaker() as session:
        loaded = await session.scalar(select(AuditEntry.at).where(AuditEntry.id == entry_id))
    assert loaded == at
    assert loaded is not None and loaded.utcoffset() == timedelta(0)
    assert loaded.tzinfo is UTC or loaded.tzname() == "UTC"


async def test_sql_comparisons_follow_instants_not_wall_clocks(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # 06:00 in Hanoi is 23:00 UTC the day before: the later wall clock is the earlier instant.
    async with sessionmaker.begin() as session:
        await _record(session, datetime(2023, 9, 1, 6, 0, tzinfo=HANOI), "hanoi")
        await _record(session, datetime(2023, 9, 1, 0, 0, tzinfo=UTC), "utc")
    async with sessionmaker() as session:
        ordered = await session.scalars(select(AuditEntry.action).order_by(AuditEntry.at))
        assert list(ordered) == ["hanoi", "utc"]
        later = await session.scalars(select(AuditEntry.action).where(
            AuditEntry.at > datetime(2023, 8, 31, 23, 30, tzinfo=UTC)
        ))
        assert list(later) == ["utc"]


async def test_naive_datetime_is_refused(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with sessionmaker.begin() as session:
            await _record(session, datetime(2023, 8, 31, 12, 0))


async def test_json_none_is_sql_null(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker.begin() as session:
        await _record(session, datetime(2023, 8, 31, tzinfo=UTC))
    async with sessionmaker() as session:
        assert await session.scalar(select(AuditEntry.id).where(AuditEntry.detail.is_(None)))

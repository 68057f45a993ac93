"""The unit directory survives a round trip through the database, and saving it
again is a no-op."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.datafiles import load_directory as load_shipped_directory
from bot.units import Directory, Unit
from storage.models import CollectiveMember, UnitAlias, UnitRow
from storage.units import load_directory, save_directory


def by_id(directory: Directory) -> dict[str, Unit]:
    return {unit.id: unit for unit in directory}


async def _save(sessionmaker: async_sessionmaker[AsyncSession], directory: Directory,
                at: datetime) -> Directory:
    async with sessionmaker.begin() as session:
        await save_directory(session, directory, at=at)
    async with sessionmaker() as session:
        return await load_directory(session)


async def _counts(session: AsyncSession) -> dict[str, int]:
    counts = {}
    for model in (UnitRow, UnitAlias, CollectiveMember):
        counts[model.__tablename__] = await session.scalar(
            select(func.count()).select_from(model)
        ) or 0
    return counts


async def test_round_trip(
    sessionmaker: async_sessionmaker[AsyncSession], directory: Directory, now: datetime
) -> None:
    loaded = await _save(sessionmaker, directory, now)
    assert by_id(loaded) == by_id(directory)
    assert loaded.successor("so-khdt") == "so-tc"
    assert loaded.expand("tat-ca") == directory.expand("tat-ca")


async def test_shipped_directory_round_trips(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    shipped = load_shipped_directory()
    assert by_id(await _save(sessionmaker, shipped, now)) == by_id(shipped)


async def test_saving_again_changes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], directory: Directory, now: datetime
) -> None:
    await _save(sessionmaker, directory, now)
    async with sessionmaker() as session:
        before = await _counts(session)
        alias_ids = list(await session.scalars(select(UnitAlias.id).order_by(UnitAlias.id)))

    loaded = await _save(sessionmaker, directory, now + timedelta(days=1))
    assert by_id(loaded) == by_id(directory)
    async with sessionmaker() as session:
        assert await _counts(session) == before
        assert list(await session.scalars(select(UnitAlias.id).order_by(UnitAlias.id))) \
            == alias_ids
        stamps = set(await session.scalars(select(UnitRow.updated_at)))
    assert stamps == {now}


async def test_edits_are_saved_and_stamped(
    sessionmaker: async_sessionmaker[AsyncSession], directory: Directory, now: datetime
) -> None:
    await _save(sessionmaker, directory, now)
    later = now + timedelta(days=30)
    units = by_id(directory)
    edited = Directory([
        *(u for u in directory if u.id not in {"so-xd", "so-tc", "tat-ca", "ubnd-tu-son"}),
        replace(units["so-xd"], merged_into="so-tc"),  # a merge
        replace(units["so-tc"], name="Sở Tài chính tỉnh Bắc Ninh"),  # a rename
        replace(units["ubnd-tu-son"], aliases=(), abbreviations=("UBND TS",)),
        replace(units["tat-ca"], members=("vien-nc", "cac-so-nganh")),
    ])

    loaded = await _save(sessionmaker, edited, later)

    assert by_id(loaded) == by_id(edited)
    assert loaded.successor("so-xd") == "so-tc"
    async with sessionmaker() as session:
        stamped = dict((await session.execute(select(UnitRow.id, UnitRow.updated_at))).all())
    assert {uid for uid, at in stamped.items() if at == later} == {
        "so-xd", "so-tc", "ubnd-tu-son", "tat-ca"
    }


async def test_units_missing_from_a_later_save_are_kept(
    sessionmaker: async_sessionmaker[AsyncSession], directory: Directory, now: datetime
) -> None:
    await _save(sessionmaker, directory, now)
    fewer = Directory(u for u in directory if u.id != "to-cg-1")
    loaded = await _save(sessionmaker, fewer, now)
    assert "to-cg-1" in loaded


async def test_empty_database_loads_an_empty_directory(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        assert len(await load_directory(session)) == 0

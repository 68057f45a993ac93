"""Revision 0006 (imported plans) goes up, down and up again: plans keep their rows
and their tasks (no table rebuild on SQLite, no cascade to the tasks)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.plans import Plan
from bot.units import Directory
from storage.migrate import current, downgrade, upgrade
from storage.plans import save_plan
from storage.units import save_directory
from tests.storage.inspection import inspect_database, table_columns

IMPORT_COLUMNS = {"source_name", "parsed", "imported_at", "imported_by"}


def _rows(connection: Connection) -> Any:
    return (
        connection.execute(text("SELECT id, title, active FROM plans")).all(),
        connection.execute(text("SELECT plan_id, code FROM tasks ORDER BY id")).all(),
    )


async def test_down_to_0005_and_up_again(database_url: str,
                                         sessionmaker: async_sessionmaker[AsyncSession],
                                         directory: Directory, plan: Plan,
                                         now: datetime) -> None:
    async with sessionmaker.begin() as session:
        await save_directory(session, directory, at=now)
        await save_plan(session, plan, at=now)
    before = await inspect_database(database_url, _rows)
    assert before[1]  # the plan has tasks, which a cascade would lose
    await downgrade(database_url, "0005")
    columns = await inspect_database(database_url, table_columns)
    assert not IMPORT_COLUMNS & columns["plans"]
    assert await inspect_database(database_url, _rows) == before
    await upgrade(database_url)
    assert await current(database_url) == "0006"
    assert (await inspect_database(database_url, table_columns))["plans"] >= IMPORT_COLUMNS
    assert await inspect_database(database_url, _rows) == before

"""Revision 0005 (Zalo, linked accounts) goes up, down and up again: members keep
their rows and their updates keep their authors (no table rebuild on SQLite)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.plans import Plan
from bot.units import Directory
from storage.members import upsert_member
from storage.migrate import current, downgrade, upgrade
from storage.plans import save_plan, task_ids_by_code
from storage.progress import record_update
from storage.units import save_directory
from tests.storage.inspection import inspect_database, table_columns


def _rows(connection: Connection) -> Any:
    return (
        connection.execute(text("SELECT id, channel_user_id, unit_id FROM members")).all(),
        connection.execute(text("SELECT member_id, unit_id FROM progress_updates")).all(),
    )


async def test_down_to_0004_and_up_again(database_url: str,
                                         sessionmaker: async_sessionmaker[AsyncSession],
                                         directory: Directory, plan: Plan,
                                         now: datetime) -> None:
    async with sessionmaker.begin() as session:
        await save_directory(session, directory, at=now)
        await save_plan(session, plan, at=now)
        task_id = (await task_ids_by_code(session, plan.id))["I.1"]
        member = await upsert_member(session, channel="zalo", channel_user_id="z1",
                                     display_name="Lan", unit_id="so-xd", chat_id="z1", at=now)
        await record_update(session, task_id=task_id, unit_id="so-xd", member_id=member.id,
                            cycle=None, text="xong", percent=100, status="done", at=now)
    before = await inspect_database(database_url, _rows)
    await downgrade(database_url, "0004")
    columns = await inspect_database(database_url, table_columns)
    assert not {"choice_offers", "link_codes", "files"} & set(columns)
    assert not {"person_id", "push_channel"} & columns["members"]
    assert await inspect_database(database_url, _rows) == before
    await upgrade(database_url)
    assert await current(database_url) == "0006"
    columns = await inspect_database(database_url, table_columns)
    assert {"choice_offers", "link_codes", "files"} <= set(columns)
    assert {"person_id", "push_channel"} <= columns["members"]
    assert await inspect_database(database_url, _rows) == before  # the author is still there

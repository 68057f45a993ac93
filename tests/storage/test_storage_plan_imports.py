"""An imported plan's source, deleting a plan, another name for a unit."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.plans import Plan
from bot.units import Directory
from storage.errors import Conflict, NotFound
from storage.members import upsert_member
from storage.plans import (
    delete_plan,
    load_plans,
    plan_ids,
    plan_row,
    save_plan,
    set_plan_source,
    task_ids_by_code,
)
from storage.progress import record_update
from storage.units import add_alias, load_directory, save_directory


async def test_the_source_of_an_imported_plan(sessionmaker: async_sessionmaker[AsyncSession],
                                              directory: Directory, plan: Plan,
                                              now: datetime) -> None:
    parsed = {"title": "Kế hoạch", "tasks": [{"id": "I.1", "text": "Việc"}]}
    async with sessionmaker.begin() as session:
        await save_directory(session, directory, at=now)
        await save_plan(session, plan, at=now)
        await set_plan_source(session, plan.id, source_name="kế hoạch.docx", parsed=parsed,
                              at=now, by="chat:1")
    async with sessionmaker() as session:
        row = await plan_row(session, plan.id)
        assert row is not None
        assert (row.source_name, row.parsed, row.imported_at, row.imported_by) == (
            "kế hoạch.docx", parsed, now, "chat:1")
        assert await plan_ids(session) == {plan.id}
        assert await plan_row(session, "nope") is None
    async with sessionmaker.begin() as session:
        with pytest.raises(NotFound):
            await set_plan_source(session, "nope", source_name=None, parsed=None, at=None,
                                  by=None)


async def test_a_plan_is_deleted_unless_reported_on(
        sessionmaker: async_sessionmaker[AsyncSession], directory: Directory, plan: Plan,
        now: datetime) -> None:
    async with sessionmaker.begin() as session:
        await save_directory(session, directory, at=now)
        await save_plan(session, plan, at=now)
        await save_plan(session, Plan(plan.id + "-b", "B", plan.starts, tasks=plan.tasks),
                        at=now)
        task_id = (await task_ids_by_code(session, plan.id))["I.1"]
        member = await upsert_member(session, channel="chat", channel_user_id="1",
                                     display_name="Lan", unit_id="so-xd", at=now)
        await record_update(session, task_id=task_id, unit_id="so-xd", member_id=member.id,
                            cycle=None, text="xong", percent=100, status="done", at=now)
    async with sessionmaker.begin() as session:
        with pytest.raises(Conflict):
            await delete_plan(session, plan.id)
    async with sessionmaker.begin() as session:
        await delete_plan(session, plan.id + "-b")
        with pytest.raises(NotFound):
            await delete_plan(session, "nope")
    async with sessionmaker() as session:
        assert [p.id for p in await load_plans(session, active_only=False)] == [plan.id]
        assert await task_ids_by_code(session, plan.id + "-b") == {}


async def test_an_alias_is_added_once(sessionmaker: async_sessionmaker[AsyncSession],
                                      directory: Directory, now: datetime) -> None:
    async with sessionmaker.begin() as session:
        await save_directory(session, directory, at=now)
        assert await add_alias(session, "so-xd", "Sở XD tỉnh", at=now)
        assert not await add_alias(session, "so-xd", "Sở XD tỉnh", at=now)
        assert not await add_alias(session, "so-xd", "Sở Xây dựng", at=now)  # its name
        with pytest.raises(ValueError):
            await add_alias(session, "nope", "X", at=now)
    async with sessionmaker() as session:
        assert (await load_directory(session)).get("so-xd").aliases == ("Sở XD tỉnh",)

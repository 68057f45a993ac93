"""Plans survive a round trip with every kind of deadline, and re-importing a
plan keeps task ids (and so the progress updates pointing at them)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from importlib import resources
from typing import get_args

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.calendar import DeadlineSpec
from bot.datafiles import SEED_PLAN_FILE, load_directory, load_plan
from bot.plans import Plan
from bot.units import Directory
from storage.errors import Conflict, NotFound
from storage.models import TaskUnit
from storage.plans import load_plans, save_plan, set_plan_active, set_plan_end, task_ids_by_code
from storage.progress import record_update
from storage.units import save_directory


async def _load(sessionmaker: async_sessionmaker[AsyncSession], **kwargs: bool) -> list[Plan]:
    async with sessionmaker() as session:
        return await load_plans(session, **kwargs)


async def _save(sessionmaker: async_sessionmaker[AsyncSession], plan: Plan,
                at: datetime) -> None:
    async with sessionmaker.begin() as session:
        await save_plan(session, plan, at=at)


async def test_round_trip_with_every_kind_of_deadline(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], plan: Plan
) -> None:
    every_kind = plan.task("III.1").due
    assert {type(spec) for spec in every_kind} == set(get_args(DeadlineSpec))

    assert await _load(sessionmaker) == [plan]
    assert list(task_ids) == [task.code for task in plan.tasks]


async def test_saving_again_keeps_task_ids_and_links(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], plan: Plan,
    now: datetime,
) -> None:
    await _save(sessionmaker, plan, now + timedelta(days=1))
    async with sessionmaker() as session:
        assert await task_ids_by_code(session, plan.id) == task_ids
        links = await session.scalar(select(func.count()).select_from(TaskUnit))
    assert links == sum(len({*t.lead}) + len({*t.coordinating}) + len({*t.recipients})
                        for t in plan.tasks)
    assert await _load(sessionmaker) == [plan]


async def test_reimport_updates_adds_and_removes_tasks(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], plan: Plan,
    now: datetime,
) -> None:
    changed = replace(plan.task("II.3.6"), lead=("so-tc",), deadline_text="Quý IV/2023",
                      due=())
    added = replace(plan.task("III.2"), code="IV.1", section="IV", number=5)
    revised = replace(plan, title="Kế hoạch (sửa đổi)", tasks=(
        plan.task("I.1"), changed, plan.task("III.1"), added,
    ))

    await _save(sessionmaker, revised, now)

    assert await _load(sessionmaker) == [revised]
    async with sessionmaker() as session:
        ids = await task_ids_by_code(session, plan.id)
    assert ids["II.3.6"] == task_ids["II.3.6"]
    assert set(ids) == {"I.1", "II.3.6", "III.1", "IV.1"}


async def test_removing_a_reported_task_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], plan: Plan,
    now: datetime,
) -> None:
    async with sessionmaker.begin() as session:
        await record_update(session, task_id=task_ids["III.2"], unit_id="so-xd", member_id=None,
                            cycle=None, text="đang làm", percent=10, status="in_progress",
                            at=now)
    shorter = replace(plan, tasks=plan.tasks[:-1])
    with pytest.raises(Conflict, match=r"III\.2"):
        await _save(sessionmaker, shorter, now)
    assert await _load(sessionmaker) == [plan]


async def test_inactive_plans_are_left_out_unless_asked_for(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], plan: Plan,
    now: datetime,
) -> None:
    older = replace(plan, id="bn-2023-q2", starts=date(2023, 4, 1), tasks=())
    await _save(sessionmaker, older, now)
    assert [p.id for p in await _load(sessionmaker)] == ["bn-2023-q2", plan.id]

    async with sessionmaker.begin() as session:
        await set_plan_active(session, "bn-2023-q2", False)
    assert [p.id for p in await _load(sessionmaker)] == [plan.id]
    everything = await _load(sessionmaker, active_only=False)
    assert [(p.id, p.active) for p in everything] == [("bn-2023-q2", False), (plan.id, True)]


async def test_set_plan_end_closes_and_reopens(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], plan: Plan,
) -> None:
    async with sessionmaker.begin() as session:
        await set_plan_end(session, plan.id, date(2023, 12, 31))
    assert (await _load(sessionmaker))[0].ends == date(2023, 12, 31)
    async with sessionmaker.begin() as session:
        await set_plan_end(session, plan.id, None)
    assert (await _load(sessionmaker))[0].ends is None


async def test_unknown_plan_is_not_found(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker.begin() as session:
        with pytest.raises(NotFound):
            await set_plan_active(session, "no-such-plan", True)
        with pytest.raises(NotFound):
            await set_plan_end(session, "no-such-plan", None)
        assert await task_ids_by_code(session, "no-such-plan") == {}


@pytest.mark.skipif(
    not resources.files("bot.data").joinpath(SEED_PLAN_FILE).is_file(),
    reason="bot/data/seed_plan.yaml is not written yet",
)
async def test_seed_plan_round_trips(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    directory: Directory = load_directory()
    seed = load_plan(directory=directory)
    async with sessionmaker.begin() as session:
        await save_directory(session, directory, at=now)
        await save_plan(session, seed, at=now)
    assert await _load(sessionmaker, active_only=False) == [seed]

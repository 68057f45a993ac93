"""Plans and their tasks in the database: ``bot.plans.Plan`` in, and back out."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar import spec_from_dict, spec_to_dict
from bot.plans import Plan, Task, TaskKind
from storage.errors import Conflict, NotFound
from storage.models import PlanRow, ProgressUpdate, TaskRole, TaskRow, TaskUnit, assign


def _plan_fields(plan: Plan) -> dict[str, Any]:
    return {
        "title": plan.title,
        "number": plan.number,
        "issued": plan.issued,
        "province": plan.province,
        "year": plan.year,
        "starts": plan.starts,
        "ends": plan.ends,
        "active": plan.active,
    }


def _task_fields(task: Task) -> dict[str, Any]:
    return {
        "number": task.number,
        "section": task.section,
        "title": task.title,
        "text": task.text,
        "kind": task.kind.value,
        "assignees_text": task.assignees_text,
        "deadline_text": task.deadline_text,
        "due": [spec_to_dict(spec) for spec in task.due],
    }


def _roles(task: Task) -> dict[TaskRole, tuple[str, ...]]:
    return {
        TaskRole.LEAD: task.lead,
        TaskRole.COORDINATING: task.coordinating,
        TaskRole.RECIPIENT: task.recipients,
    }


async def save_plan(session: AsyncSession, plan: Plan, *, at: datetime) -> None:
    """Insert or update ``plan``, matching tasks by code so their ids (and the
    progress updates that point at them) survive a re-import.

    Tasks no longer in the plan are deleted, unless a unit has reported on one:
    then ``Conflict`` is raised and nothing is lost (close the plan instead).
    """
    row = await session.get(PlanRow, plan.id)
    if row is None:
        session.add(PlanRow(id=plan.id, created_at=at, **_plan_fields(plan)))
    else:
        assign(row, _plan_fields(plan))
    await session.flush()

    existing = {
        task.code: task
        for task in await session.scalars(select(TaskRow).where(TaskRow.plan_id == plan.id))
    }
    await _delete_tasks(session, plan.id, {
        task.id for code, task in existing.items()
        if code not in {t.code for t in plan.tasks}
    })
    for task in plan.tasks:
        task_row = existing.get(task.code)
        if task_row is None:
            session.add(TaskRow(plan_id=plan.id, code=task.code, **_task_fields(task)))
        else:
            assign(task_row, _task_fields(task))
    await session.flush()

    ids = await task_ids_by_code(session, plan.id)
    await session.execute(delete(TaskUnit).where(TaskUnit.task_id.in_(ids.values())))
    links = [
        {"task_id": ids[task.code], "unit_id": unit_id, "role": role.value, "position": i}
        for task in plan.tasks
        for role, unit_ids in _roles(task).items()
        for i, unit_id in enumerate(dict.fromkeys(unit_ids))
    ]
    if links:
        await session.execute(insert(TaskUnit), links)


async def _delete_tasks(session: AsyncSession, plan_id: str, task_ids: set[int]) -> None:
    if not task_ids:
        return
    reported = await session.scalars(
        select(TaskRow.code).join(ProgressUpdate, ProgressUpdate.task_id == TaskRow.id)
        .where(TaskRow.id.in_(task_ids)).distinct().order_by(TaskRow.code)
    )
    codes = list(reported)
    if codes:
        raise Conflict(
            f"plan {plan_id!r}: tasks {', '.join(codes)} have progress updates"
            " and cannot be removed"
        )
    await session.execute(delete(TaskRow).where(TaskRow.id.in_(task_ids)))


async def load_plans(session: AsyncSession, *, active_only: bool = True) -> list[Plan]:
    """Plans by start date, each with its tasks in plan order.

    Tasks and their units are read as columns, not ORM objects: the snapshot is
    built at every start, and 50,000 tasks with their 70,000 unit links as tracked
    instances took most of it."""
    query = select(PlanRow).order_by(PlanRow.starts, PlanRow.id)
    if active_only:
        query = query.where(PlanRow.active)
    plans = list(await session.scalars(query))
    if not plans:
        return []
    plan_ids = [plan.id for plan in plans]
    units: dict[tuple[int, str], list[str]] = defaultdict(list)
    for task_id, role, unit_id in await session.execute(
        select(TaskUnit.task_id, TaskUnit.role, TaskUnit.unit_id).join(TaskRow)
        .where(TaskRow.plan_id.in_(plan_ids))
        .order_by(TaskUnit.task_id, TaskUnit.role, TaskUnit.position)
    ):
        units[task_id, role].append(unit_id)
    tasks: dict[str, list[Task]] = defaultdict(list)
    for row in await session.execute(
        select(TaskRow.id, TaskRow.plan_id, TaskRow.code, TaskRow.section, TaskRow.title,
               TaskRow.text, TaskRow.assignees_text, TaskRow.deadline_text, TaskRow.due,
               TaskRow.kind, TaskRow.number)
        .where(TaskRow.plan_id.in_(plan_ids)).order_by(TaskRow.number, TaskRow.id)
    ):
        tasks[row.plan_id].append(_task(row.id, row.code, row.section, row.title, row.text,
                                        row.assignees_text, row.deadline_text, row.due,
                                        row.kind, row.number, units))
    return [
        Plan(
            id=row.id,
            title=row.title,
            starts=row.starts,
            ends=row.ends,
            number=row.number,
            issued=row.issued,
            province=row.province,
            year=row.year,
            active=row.active,
            tasks=tuple(tasks[row.id]),
        )
        for row in plans
    ]


def _task(task_id: int, code: str, section: str, title: str, text: str,
          assignees_text: str | None, deadline_text: str | None, due: list[dict[str, Any]],
          kind: str, number: int, units: dict[tuple[int, str], list[str]]) -> Task:
    def of(role: TaskRole) -> tuple[str, ...]:
        return tuple(units.get((task_id, role.value), ()))

    return Task(
        code=code,
        section=section,
        title=title,
        text=text,
        lead=of(TaskRole.LEAD),
        coordinating=of(TaskRole.COORDINATING),
        recipients=of(TaskRole.RECIPIENT),
        assignees_text=assignees_text,
        deadline_text=deadline_text,
        due=tuple(spec_from_dict(spec) for spec in due),
        kind=TaskKind(kind),
        number=number,
    )


async def _plan(session: AsyncSession, plan_id: str) -> PlanRow:
    row = await session.get(PlanRow, plan_id)
    if row is None:
        raise NotFound(f"no plan {plan_id!r}")
    return row


async def set_plan_active(session: AsyncSession, plan_id: str, active: bool) -> None:
    (await _plan(session, plan_id)).active = active
    await session.flush()


async def set_plan_end(session: AsyncSession, plan_id: str, ends: date | None) -> None:
    """Close the plan on ``ends`` (recurring reports stop after it); None reopens it."""
    (await _plan(session, plan_id)).ends = ends
    await session.flush()


async def task_ids_by_code(session: AsyncSession, plan_id: str) -> dict[str, int]:
    rows = await session.execute(
        select(TaskRow.code, TaskRow.id).where(TaskRow.plan_id == plan_id)
    )
    return {code: task_id for code, task_id in rows}


# --- imported plans (revision 0006) -------------------------------------------------


async def set_plan_source(session: AsyncSession, plan_id: str, *, source_name: str | None,
                          parsed: dict[str, Any] | None, at: datetime | None,
                          by: str | None) -> None:
    """Where an imported plan came from: the file's name, the parsed plan
    (``ParsedPlan.to_json``), when and by whom."""
    row = await _plan(session, plan_id)
    assign(row, {"source_name": source_name, "parsed": parsed, "imported_at": at,
                 "imported_by": by})
    await session.flush()


async def plan_row(session: AsyncSession, plan_id: str) -> PlanRow | None:
    return await session.get(PlanRow, plan_id)


async def plan_ids(session: AsyncSession) -> set[str]:
    return set(await session.scalars(select(PlanRow.id)))


async def delete_plan(session: AsyncSession, plan_id: str) -> None:
    """Remove a plan and its tasks. ``Conflict`` when a unit has reported on one of
    them (deactivate it instead: nothing reported is lost)."""
    await _plan(session, plan_id)
    ids = await task_ids_by_code(session, plan_id)
    await _delete_tasks(session, plan_id, set(ids.values()))
    await session.execute(delete(PlanRow).where(PlanRow.id == plan_id))
    await session.flush()

"""Progress updates: what a unit said about a task, when, for which report cycle."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.progress_text import UpdateStatus
from storage.models import Member, ProgressUpdate, TaskRow


async def record_update(
    session: AsyncSession,
    *,
    task_id: int,
    unit_id: str,
    member_id: int | None,
    cycle: date | None,
    text: str,
    percent: int | None,
    status: UpdateStatus | str,
    at: datetime,
    channel_message_id: str | None = None,
) -> ProgressUpdate:
    # The schema checks these too; checking here gives a readable error before SQL.
    status = UpdateStatus(status)
    if percent is not None and not 0 <= percent <= 100:
        raise ValueError(f"percent must be 0..100, got {percent}")
    update = ProgressUpdate(
        task_id=task_id,
        unit_id=unit_id,
        member_id=member_id,
        cycle=cycle,
        text=text,
        percent=percent,
        status=status.value,
        channel_message_id=channel_message_id,
        created_at=at,
    )
    session.add(update)
    await session.flush()
    return update


async def done_tasks(session: AsyncSession, unit_ids: Collection[str]) -> set[tuple[str, str]]:
    """(plan id, task code) of the tasks whose latest update says done.

    ``unit_ids`` are one unit under all its ids — itself and the units merged into
    it — so their updates are read as one history: the latest of them all decides,
    and a later "in progress" or "blocked" undoes an earlier "done".
    """
    if not unit_ids:
        return set()
    ranked = (
        select(
            ProgressUpdate.task_id,
            ProgressUpdate.status,
            func.row_number().over(
                partition_by=ProgressUpdate.task_id,
                order_by=(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc()),
            ).label("rank"),
        )
        .where(ProgressUpdate.unit_id.in_(list(unit_ids)))
        .subquery()
    )
    rows = await session.execute(
        select(TaskRow.plan_id, TaskRow.code)
        .join(ranked, ranked.c.task_id == TaskRow.id)
        .where(ranked.c.rank == 1, ranked.c.status == UpdateStatus.DONE.value)
    )
    return {(plan_id, code) for plan_id, code in rows}


async def updates_for_cycle(
    session: AsyncSession, task_id: int, cycle: date
) -> list[ProgressUpdate]:
    """Every unit's updates on ``task_id`` for the report due on ``cycle``, oldest first."""
    return list(await session.scalars(
        select(ProgressUpdate)
        .where(ProgressUpdate.task_id == task_id, ProgressUpdate.cycle == cycle)
        .order_by(ProgressUpdate.created_at, ProgressUpdate.id)
    ))


@dataclass(frozen=True)
class CycleRow:
    """An update as a report reads it: its columns, not an ORM object. A cycle of
    5,000 units has ~10,000 updates and a chart reads six cycles: loading them as
    tracked ``ProgressUpdate`` instances took seconds."""

    id: int
    task_id: int
    unit_id: str
    member_id: int | None
    cycle: date | None
    text: str
    percent: int | None
    status: str
    created_at: datetime


_CYCLE_COLUMNS = (ProgressUpdate.id, ProgressUpdate.task_id, ProgressUpdate.unit_id,
                  ProgressUpdate.member_id, ProgressUpdate.cycle, ProgressUpdate.text,
                  ProgressUpdate.percent, ProgressUpdate.status, ProgressUpdate.created_at)


async def updates_for_cycles(
    session: AsyncSession,
    cycles: Collection[tuple[int, date]],
    *,
    unit_ids: Collection[str] | None = None,
) -> list[tuple[CycleRow, str | None]]:
    """Every update for any of ``cycles`` ((task id, due date) pairs), oldest first,
    with its sender's name (None once the sender has left): one query for a whole
    report, however many units and cycles it covers. ``unit_ids`` keeps only those
    units' updates (one unit under all its ids, for its history)."""
    by_task: dict[int, set[date]] = {}
    for task_id, due in cycles:
        by_task.setdefault(task_id, set()).add(due)
    if not by_task or (unit_ids is not None and not unit_ids):
        return []
    wanted = or_(*(and_(ProgressUpdate.task_id == task_id,
                        ProgressUpdate.cycle.in_(sorted(dues)))
                   for task_id, dues in sorted(by_task.items())))
    query = (
        select(*_CYCLE_COLUMNS, Member.display_name)
        .outerjoin(Member, Member.id == ProgressUpdate.member_id)
        .where(wanted)
    )
    if unit_ids is not None:
        query = query.where(ProgressUpdate.unit_id.in_(sorted(unit_ids)))
    rows = await session.execute(query.order_by(ProgressUpdate.created_at, ProgressUpdate.id))
    found = []
    for row in rows:
        values: tuple[Any, ...] = tuple(row)
        found.append((CycleRow(*values[:-1]), values[-1]))
    return found


async def first_update_times(
    session: AsyncSession, cycles: Collection[tuple[int, date]],
) -> list[tuple[int, date, str, datetime]]:
    """(task id, cycle, unit id, time of its earliest update) for every unit that
    sent anything for any of ``cycles``: all a status needs (on time, late), one row
    per unit instead of every update with its text and sender."""
    by_task: dict[int, set[date]] = {}
    for task_id, due in cycles:
        by_task.setdefault(task_id, set()).add(due)
    if not by_task:
        return []
    wanted = or_(*(and_(ProgressUpdate.task_id == task_id,
                        ProgressUpdate.cycle.in_(sorted(dues)))
                   for task_id, dues in sorted(by_task.items())))
    first = func.min(ProgressUpdate.created_at)
    rows = await session.execute(
        select(ProgressUpdate.task_id, ProgressUpdate.cycle, ProgressUpdate.unit_id, first)
        .where(wanted)
        .group_by(ProgressUpdate.task_id, ProgressUpdate.cycle, ProgressUpdate.unit_id)
    )
    return [(task_id, cycle, unit_id, at) for task_id, cycle, unit_id, at in rows
            if cycle is not None and at is not None]


async def recent_updates(
    session: AsyncSession, unit_id: str | Collection[str], limit: int, *,
    task_id: int | None = None,
) -> list[ProgressUpdate]:
    """The unit's latest ``limit`` updates (on ``task_id`` only, when given), newest first.

    ``unit_id`` may be several ids, one unit under all of them (itself and the units
    merged into it), as for ``done_tasks``.
    """
    unit_ids = [unit_id] if isinstance(unit_id, str) else list(unit_id)
    query = select(ProgressUpdate).where(ProgressUpdate.unit_id.in_(unit_ids))
    if task_id is not None:
        query = query.where(ProgressUpdate.task_id == task_id)
    return list(await session.scalars(
        query.order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc()).limit(limit)
    ))


async def latest_updates_for_cycle(
    session: AsyncSession, task_id: int, cycle: date
) -> dict[str, ProgressUpdate]:
    """Each unit's latest update on ``task_id`` for the report due on ``cycle``, by unit
    id: what a compiled report shows, one line per unit."""
    ranked = (
        select(
            ProgressUpdate,
            func.row_number().over(
                partition_by=ProgressUpdate.unit_id,
                order_by=(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc()),
            ).label("rank"),
        )
        .where(ProgressUpdate.task_id == task_id, ProgressUpdate.cycle == cycle)
        .subquery()
    )
    latest = aliased(ProgressUpdate, ranked)
    rows = await session.scalars(
        select(latest).where(ranked.c.rank == 1).order_by(latest.unit_id)
    )
    return {update.unit_id: update for update in rows}


async def get_update(session: AsyncSession, update_id: int) -> ProgressUpdate | None:
    return await session.get(ProgressUpdate, update_id)


async def delete_update(session: AsyncSession, update_id: int) -> bool:
    """Remove an update for good (the sender's undo); False when it is gone already.

    Deleting rather than flagging keeps every reader (done tasks, reported cycles,
    reports) free of a "not deleted" filter it could forget.
    """
    result = await session.execute(
        delete(ProgressUpdate).where(ProgressUpdate.id == update_id).returning(ProgressUpdate.id)
    )
    return result.scalar_one_or_none() is not None


async def reported_cycles(
    session: AsyncSession, unit_ids: Collection[str], start: date, end: date
) -> set[tuple[str, str, date]]:
    """(plan id, task code, cycle) for every cycle from ``start`` to ``end`` on which
    the unit (under any of its ids) has sent at least one update."""
    if not unit_ids:
        return set()
    rows = await session.execute(
        select(TaskRow.plan_id, TaskRow.code, ProgressUpdate.cycle)
        .join(TaskRow, TaskRow.id == ProgressUpdate.task_id)
        .where(
            ProgressUpdate.unit_id.in_(list(unit_ids)),
            ProgressUpdate.cycle.is_not(None),
            ProgressUpdate.cycle.between(start, end),
        )
        .distinct()
    )
    return {(plan_id, code, cycle) for plan_id, code, cycle in rows if cycle is not None}


async def reported_occurrences(
    session: AsyncSession, start: date, end: date
) -> set[tuple[str, str, date, str]]:
    """(plan id, task code, cycle, unit id) for every cycle due from ``start`` to
    ``end`` on which a unit has sent at least one update: what the reminder engine
    must not remind about again."""
    rows = await session.execute(
        select(TaskRow.plan_id, TaskRow.code, ProgressUpdate.cycle, ProgressUpdate.unit_id)
        .join(TaskRow, TaskRow.id == ProgressUpdate.task_id)
        .where(ProgressUpdate.cycle.is_not(None), ProgressUpdate.cycle.between(start, end))
        .distinct()
    )
    return {(plan_id, code, cycle, unit_id) for plan_id, code, cycle, unit_id in rows
            if cycle is not None}

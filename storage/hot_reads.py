"""The reads behind every message, built once.

``/due`` is the bot's most frequent question, and each message starts by looking
up who sent it. Building a SQLAlchemy statement and its cache key costs more than
SQLite takes to run it (docs/benchmarks.md, "Issue 9: inbound"), so these
statements are module constants with bound parameters, select plain columns (no
ORM objects to build and track), and a unit's month takes one query instead of two.
Their meaning is that of ``storage.members.get_member`` and of
``storage.progress.done_tasks`` with ``reported_cycles``, which the tests compare.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import NamedTuple

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.progress_text import UpdateStatus
from storage.models import Member, ProgressUpdate, TaskRow


class MemberRecord(NamedTuple):
    id: int
    channel: str
    channel_user_id: str
    unit_id: str | None
    role: str
    language: str | None
    display_name: str | None
    chat_id: str | None
    active: bool
    left_at: object | None


_MEMBER = select(Member.id, Member.channel, Member.channel_user_id, Member.unit_id,
                 Member.role, Member.language, Member.display_name, Member.chat_id,
                 Member.active, Member.left_at).where(
    Member.channel == bindparam("channel"),
    Member.channel_user_id == bindparam("user_id"))


async def member_record(session: AsyncSession, channel: str,
                        channel_user_id: str) -> MemberRecord | None:
    row = (await session.execute(_MEMBER, {"channel": channel,
                                           "user_id": channel_user_id})).first()
    return MemberRecord._make(row) if row is not None else None


class UnitProgress(NamedTuple):
    done: set[tuple[str, str]]  # (plan id, task code): the latest update says done
    reported: set[tuple[str, str, date]]  # (plan id, task code, cycle) with an update


# Every update of the unit (under all its ids) ranked per task, newest first; kept:
# each task's latest (is it done?) and those for a cycle in the month (reported?).
_RANKED = (
    select(ProgressUpdate.task_id, ProgressUpdate.status, ProgressUpdate.cycle,
           func.row_number().over(
               partition_by=ProgressUpdate.task_id,
               order_by=(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc()),
           ).label("rank"))
    .where(ProgressUpdate.unit_id.in_(bindparam("unit_ids", expanding=True)))
    .subquery()
)
_UNIT_PROGRESS = (
    select(TaskRow.plan_id, TaskRow.code, _RANKED.c.status, _RANKED.c.cycle, _RANKED.c.rank)
    .join(_RANKED, _RANKED.c.task_id == TaskRow.id)
    .where(or_(_RANKED.c.rank == 1,
               _RANKED.c.cycle.between(bindparam("start"), bindparam("end"))))
)


async def unit_progress(session: AsyncSession, unit_ids: Collection[str], start: date,
                        end: date) -> UnitProgress:
    """Which tasks the unit has done, and which cycles from ``start`` to ``end`` it
    has reported on (any update for that cycle)."""
    done: set[tuple[str, str]] = set()
    reported: set[tuple[str, str, date]] = set()
    if not unit_ids:
        return UnitProgress(done, reported)
    rows = await session.execute(_UNIT_PROGRESS, {"unit_ids": list(unit_ids),
                                                  "start": start, "end": end})
    for plan_id, code, status, cycle, rank in rows:
        if rank == 1 and status == UpdateStatus.DONE.value:
            done.add((plan_id, code))
        if cycle is not None and start <= cycle <= end:
            reported.add((plan_id, code, cycle))
    return UnitProgress(done, reported)

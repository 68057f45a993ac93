"""What the reminder engine reads besides plans: per-unit lead days and send time,
the admins' days off and make-up working days, and the scheduler's own state."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import upsert
from storage.models_reminders import (
    CalendarDay,
    CalendarDayKind,
    SchedulerState,
    UnitReminderSetting,
)

UnitSettings = tuple[tuple[int, ...] | None, str | None]
"""(lead days, send time 'HH:MM'); None in either: the global setting applies."""

# More than a working month ahead is a typo, not a reminder policy.
MAX_LEAD_DAYS = 31
_SEND_TIME = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")


async def unit_settings(session: AsyncSession) -> dict[str, UnitSettings]:
    """Every unit's own settings, by unit id; units without any are absent."""
    rows = await session.scalars(select(UnitReminderSetting))
    return {
        row.unit_id: (None if row.lead_days is None else tuple(row.lead_days), row.send_time)
        for row in rows
    }


async def set_unit_settings(
    session: AsyncSession,
    unit_id: str,
    *,
    lead_days: Sequence[int] | None,
    send_time: str | None,
    at: datetime,
) -> UnitSettings:
    """Give the unit its own lead days and/or send time, replacing earlier ones.

    Lead days are stored farthest first without repeats, e.g. (3, 1, 0); an empty
    sequence means no reminders for the unit, None the global lead days.
    Raises ValueError on a lead day outside 0..31 or a time that is not 'HH:MM'.
    """
    lead = None if lead_days is None else _normal_lead_days(lead_days)
    if send_time is not None and not _SEND_TIME.fullmatch(send_time):
        raise ValueError(f"send time must be HH:MM, got {send_time!r}")
    stored = None if lead is None else list(lead)
    insert = (await upsert.insert(session, UnitReminderSetting)).values(
        unit_id=unit_id, lead_days=stored, send_time=send_time, updated_at=at
    )
    await session.execute(insert.on_conflict_do_update(
        index_elements=["unit_id"],
        set_={"lead_days": insert.excluded.lead_days, "send_time": send_time, "updated_at": at},
    ))
    return lead, send_time


def _normal_lead_days(lead_days: Sequence[int]) -> tuple[int, ...]:
    for day in lead_days:
        # bool is an int: True as "1 day" is a bug upstream, not a setting.
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= MAX_LEAD_DAYS:
            raise ValueError(f"lead days must be whole days 0..{MAX_LEAD_DAYS}, got {day!r}")
    return tuple(sorted(set(lead_days), reverse=True))


async def clear_unit_settings(session: AsyncSession, unit_id: str) -> bool:
    """Back to the global settings; False when the unit had none of its own."""
    result = await session.execute(
        delete(UnitReminderSetting)
        .where(UnitReminderSetting.unit_id == unit_id)
        .returning(UnitReminderSetting.unit_id)
    )
    return result.scalar_one_or_none() is not None


async def calendar_days(session: AsyncSession) -> tuple[set[date], set[date]]:
    """(days off, working days) the admins declared."""
    off: set[date] = set()
    work: set[date] = set()
    for day, kind in await session.execute(select(CalendarDay.day, CalendarDay.kind)):
        (off if kind == CalendarDayKind.OFF.value else work).add(day)
    return off, work


async def add_calendar_day(
    session: AsyncSession,
    day: date,
    kind: CalendarDayKind | str,
    *,
    note: str | None,
    created_by: str,
    at: datetime,
) -> CalendarDay:
    """Declare ``day`` off or working; a day declared again takes the new kind and note."""
    kind = CalendarDayKind(kind)
    values = {"kind": kind.value, "note": note, "created_by": created_by, "created_at": at}
    insert = (await upsert.insert(session, CalendarDay)).values(day=day, **values)
    statement = insert.on_conflict_do_update(index_elements=["day"], set_=values)
    result = await session.scalars(
        statement.returning(CalendarDay), execution_options={"populate_existing": True}
    )
    return result.one()


async def remove_calendar_day(session: AsyncSession, day: date) -> bool:
    """Back to the ordinary rules for ``day``; False when nothing was declared."""
    result = await session.execute(
        delete(CalendarDay).where(CalendarDay.day == day).returning(CalendarDay.day)
    )
    return result.scalar_one_or_none() is not None


async def get_state(session: AsyncSession, name: str) -> str | None:
    return await session.scalar(select(SchedulerState.value).where(SchedulerState.name == name))


async def set_state(session: AsyncSession, name: str, value: str, *, at: datetime) -> None:
    insert = (await upsert.insert(session, SchedulerState)).values(
        name=name, value=value, updated_at=at
    )
    await session.execute(insert.on_conflict_do_update(
        index_elements=["name"], set_={"value": value, "updated_at": at}
    ))

"""Per-unit reminder settings, the admins' calendar days and the scheduler's state."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models_reminders import CalendarDay, UnitReminderSetting
from storage.reminder_settings import (
    add_calendar_day,
    calendar_days,
    clear_unit_settings,
    get_state,
    remove_calendar_day,
    set_state,
    set_unit_settings,
    unit_settings,
)

Sessions = async_sessionmaker[AsyncSession]
pytestmark = pytest.mark.usefixtures("units")


async def test_unit_settings_round_trip(sessionmaker: Sessions, now: datetime) -> None:
    async with sessionmaker() as session:
        assert await unit_settings(session) == {}
    async with sessionmaker.begin() as session:
        # Stored farthest first, once each.
        assert await set_unit_settings(session, "so-xd", lead_days=[0, 3, 1, 3],
                                       send_time="07:30", at=now) == ((3, 1, 0), "07:30")
        await set_unit_settings(session, "so-tc", lead_days=None, send_time="16:00", at=now)
        await set_unit_settings(session, "vien-nc", lead_days=[], send_time=None, at=now)
    async with sessionmaker() as session:
        assert await unit_settings(session) == {
            "so-xd": ((3, 1, 0), "07:30"),
            "so-tc": (None, "16:00"),  # the global lead days
            "vien-nc": ((), None),  # no reminders at all, at the global time
        }
    later = now + timedelta(days=1)
    async with sessionmaker.begin() as session:
        await set_unit_settings(session, "so-xd", lead_days=[2], send_time=None, at=later)
        row = await session.get(UnitReminderSetting, "so-xd")
        assert row is not None and row.updated_at == later
    async with sessionmaker.begin() as session:
        assert await clear_unit_settings(session, "so-tc") is True
        assert await clear_unit_settings(session, "so-tc") is False
    async with sessionmaker() as session:
        assert await unit_settings(session) == {"so-xd": ((2,), None), "vien-nc": ((), None)}


@pytest.mark.parametrize(
    ("lead_days", "send_time"),
    [([-1], None), ([32], None), ([True], None), ([1.5], None),
     (None, "7:30"), (None, "24:00"), (None, "07:60"), (None, "07h30"), (None, "")],
)
async def test_bad_settings_are_refused(
    sessionmaker: Sessions, now: datetime, lead_days: list[int] | None, send_time: str | None
) -> None:
    async with sessionmaker.begin() as session:
        with pytest.raises(ValueError):
            await set_unit_settings(session, "so-xd", lead_days=lead_days,
                                    send_time=send_time, at=now)


@pytest.mark.parametrize("send_time", ["7:30", "24:00", "23:60", "ab:cd", "07-30", "07:3a", ""])
async def test_the_schema_checks_the_send_time_too(
    sessionmaker: Sessions, now: datetime, send_time: str
) -> None:
    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as session:
            session.add(UnitReminderSetting(unit_id="so-xd", lead_days=None,
                                            send_time=send_time, updated_at=now))


@pytest.mark.parametrize("send_time", ["00:00", "07:05", "19:59", "23:59"])
async def test_the_schema_takes_good_times(
    sessionmaker: Sessions, now: datetime, send_time: str
) -> None:
    async with sessionmaker.begin() as session:
        session.add(UnitReminderSetting(unit_id="so-xd", lead_days=None,
                                        send_time=send_time, updated_at=now))


async def test_calendar_days(sessionmaker: Sessions, now: datetime) -> None:
    # 2023: Monday 28 August off, the Saturday before worked in exchange.
    off_day, work_day = date(2023, 8, 28), date(2023, 8, 26)
    async with sessionmaker.begin() as session:
        assert await calendar_days(session) == (set(), set())
        added = await add_calendar_day(session, off_day, "off", note="nghỉ bù 2/9",
                                       created_by="telegram:1", at=now)
        assert (added.day, added.kind, added.note, added.created_by) == (
            off_day, "off", "nghỉ bù 2/9", "telegram:1"
        )
        await add_calendar_day(session, work_day, "work", note=None, created_by="cli", at=now)
        await add_calendar_day(session, date(2023, 12, 29), "off", note=None,
                               created_by="cli", at=now)
    async with sessionmaker.begin() as session:
        assert await calendar_days(session) == (
            {off_day, date(2023, 12, 29)}, {work_day}
        )
        # Declared again: the new kind and note replace the old.
        again = await add_calendar_day(session, date(2023, 12, 29), "work", note="làm bù",
                                       created_by="telegram:2", at=now + timedelta(days=1))
        assert (again.kind, again.note, again.created_by) == ("work", "làm bù", "telegram:2")
        assert await remove_calendar_day(session, off_day) is True
        assert await remove_calendar_day(session, off_day) is False
    async with sessionmaker() as session:
        assert await calendar_days(session) == (set(), {work_day, date(2023, 12, 29)})


async def test_calendar_day_kinds_are_checked(sessionmaker: Sessions, now: datetime) -> None:
    async with sessionmaker.begin() as session:
        with pytest.raises(ValueError, match="holiday"):
            await add_calendar_day(session, date(2023, 9, 4), "holiday", note=None,
                                   created_by="cli", at=now)
    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as session:
            session.add(CalendarDay(day=date(2023, 9, 4), kind="holiday", note=None,
                                    created_by="cli", created_at=now))


async def test_scheduler_state(sessionmaker: Sessions, now: datetime) -> None:
    async with sessionmaker.begin() as session:
        assert await get_state(session, "reminders.last_tick") is None
        await set_state(session, "reminders.last_tick", now.isoformat(), at=now)
    async with sessionmaker.begin() as session:
        assert await get_state(session, "reminders.last_tick") == now.isoformat()
        later = now + timedelta(minutes=5)
        await set_state(session, "reminders.last_tick", later.isoformat(), at=later)
        assert await get_state(session, "reminders.last_tick") == later.isoformat()
        assert await get_state(session, "other") is None

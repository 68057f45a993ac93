"""Progress updates: a task is done for a unit when its latest update says so."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.members import delete_member, upsert_member
from storage.models import ProgressUpdate
from storage.progress import (
    delete_update,
    done_tasks,
    get_update,
    latest_updates_for_cycle,
    recent_updates,
    record_update,
    reported_cycles,
    updates_for_cycle,
)

PLAN = "bn-2023-q3"


async def _update(
    sessionmaker: async_sessionmaker[AsyncSession], task_id: int, unit_id: str, status: str,
    at: datetime, *, cycle: date | None = None, member_id: int | None = None,
) -> ProgressUpdate:
    async with sessionmaker.begin() as session:
        return await record_update(
            session, task_id=task_id, unit_id=unit_id, member_id=member_id, cycle=cycle,
            text=f"{unit_id}: {status}", percent=100 if status == "done" else 50,
            status=status, at=at, channel_message_id="m1",
        )


async def _done(
    sessionmaker: async_sessionmaker[AsyncSession], *units: str
) -> set[tuple[str, str]]:
    async with sessionmaker() as session:
        return await done_tasks(session, units)


async def test_record_update_stores_everything(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    saved = await _update(sessionmaker, task_ids["I.1"], "so-xd", "in_progress", now,
                          cycle=date(2023, 7, 5))
    async with sessionmaker() as session:
        loaded = await session.get(ProgressUpdate, saved.id)
    assert loaded is not None
    assert (loaded.task_id, loaded.unit_id, loaded.cycle, loaded.text, loaded.percent,
            loaded.status, loaded.channel_message_id, loaded.created_at) == (
        task_ids["I.1"], "so-xd", date(2023, 7, 5), "so-xd: in_progress", 50,
        "in_progress", "m1", now,
    )


async def test_latest_update_decides(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    first, second = task_ids["II.3.6"], task_ids["III.1"]
    await _update(sessionmaker, first, "so-xd", "done", now)
    await _update(sessionmaker, first, "so-xd", "in_progress", now + timedelta(hours=1))
    await _update(sessionmaker, second, "so-xd", "blocked", now)
    await _update(sessionmaker, second, "so-xd", "done", now + timedelta(hours=1))
    assert await _done(sessionmaker, "so-xd") == {(PLAN, "III.1")}


async def test_insertion_order_breaks_a_tie(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    await _update(sessionmaker, task_ids["III.1"], "so-xd", "in_progress", now)
    await _update(sessionmaker, task_ids["III.1"], "so-xd", "done", now)
    assert await _done(sessionmaker, "so-xd") == {(PLAN, "III.1")}


async def test_time_not_insertion_order_decides(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    # A late-arriving update about the past (an outbox retry) must not win.
    await _update(sessionmaker, task_ids["III.1"], "so-xd", "done", now)
    await _update(sessionmaker, task_ids["III.1"], "so-xd", "in_progress", now - timedelta(days=1))
    assert await _done(sessionmaker, "so-xd") == {(PLAN, "III.1")}


async def test_other_units_do_not_count(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    await _update(sessionmaker, task_ids["II.3.6"], "so-tc", "done", now)
    await _update(sessionmaker, task_ids["II.3.6"], "so-xd", "in_progress", now)
    assert await _done(sessionmaker, "so-xd") == set()
    assert await _done(sessionmaker, "so-tc") == {(PLAN, "II.3.6")}
    assert await _done(sessionmaker) == set()


async def test_a_merged_units_updates_count_for_its_successor(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    await _update(sessionmaker, task_ids["II.3.6"], "so-khdt", "done", now)
    await _update(sessionmaker, task_ids["I.1"], "so-khdt", "done", now)
    await _update(sessionmaker, task_ids["I.1"], "so-tc", "in_progress", now + timedelta(days=1))
    assert await _done(sessionmaker, "so-tc", "so-khdt") == {(PLAN, "II.3.6")}


async def test_updates_for_a_cycle(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    report = task_ids["I.1"]
    july_5, july_22 = date(2023, 7, 5), date(2023, 7, 22)
    await _update(sessionmaker, report, "so-xd", "done", now + timedelta(hours=2), cycle=july_5)
    await _update(sessionmaker, report, "so-tc", "done", now, cycle=july_5)
    await _update(sessionmaker, report, "so-tc", "done", now, cycle=july_22)
    await _update(sessionmaker, task_ids["III.1"], "so-tc", "done", now, cycle=july_5)
    async with sessionmaker() as session:
        updates = await updates_for_cycle(session, report, july_5)
    assert [(u.unit_id, u.cycle) for u in updates] == [("so-tc", july_5), ("so-xd", july_5)]


async def test_recent_updates_newest_first(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    for hours, code in enumerate(("I.1", "II.3.6", "III.1", "III.2")):
        await _update(sessionmaker, task_ids[code], "so-xd", "in_progress",
                      now + timedelta(hours=hours))
    await _update(sessionmaker, task_ids["I.1"], "so-tc", "done", now + timedelta(days=1))
    async with sessionmaker() as session:
        recent = await recent_updates(session, "so-xd", 3)
    assert [u.task_id for u in recent] == [task_ids[c] for c in ("III.2", "III.1", "II.3.6")]


async def test_deleting_a_member_keeps_their_updates(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        member = await upsert_member(session, channel="telegram", channel_user_id="9",
                                     display_name="Anh Minh", unit_id="so-xd", at=now)
    update = await _update(sessionmaker, task_ids["III.1"], "so-xd", "done", now,
                           member_id=member.id)
    async with sessionmaker.begin() as session:
        assert await delete_member(session, member.id)
    async with sessionmaker() as session:
        kept = await session.scalar(select(ProgressUpdate).where(ProgressUpdate.id == update.id))
    assert kept is not None and kept.member_id is None and kept.unit_id == "so-xd"
    assert await _done(sessionmaker, "so-xd") == {(PLAN, "III.1")}


@pytest.mark.parametrize(("percent", "status"), [(101, "done"), (-1, "done"), (50, "finished")])
async def test_bad_values_are_refused(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime,
    percent: int, status: str,
) -> None:
    async with sessionmaker.begin() as session:
        with pytest.raises(ValueError):
            await record_update(session, task_id=task_ids["I.1"], unit_id="so-xd",
                                member_id=None, cycle=None, text="", percent=percent,
                                status=status, at=now)


@pytest.mark.parametrize(("percent", "status"), [(101, "done"), (50, "finished")])
async def test_the_schema_checks_too(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime,
    percent: int, status: str,
) -> None:
    with pytest.raises(IntegrityError, match="ck_progress_updates"):
        async with sessionmaker.begin() as session:
            session.add(ProgressUpdate(task_id=task_ids["I.1"], unit_id="so-xd", text="",
                                       percent=percent, status=status, created_at=now))


async def test_unknown_task_or_unit_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    with pytest.raises(IntegrityError):
        await _update(sessionmaker, task_ids["I.1"], "no-such-unit", "done", now)
    with pytest.raises(IntegrityError):
        await _update(sessionmaker, 999_999, "so-xd", "done", now)


async def test_reported_cycles_within_a_window(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    report = task_ids["II.3.6"]
    await _update(sessionmaker, report, "so-xd", "in_progress", now, cycle=date(2023, 8, 5))
    await _update(sessionmaker, report, "so-xd", "done", now, cycle=date(2023, 8, 5))
    await _update(sessionmaker, report, "so-xd", "done", now, cycle=date(2023, 9, 5))
    await _update(sessionmaker, report, "so-tc", "done", now, cycle=date(2023, 8, 22))
    await _update(sessionmaker, report, "so-xd", "done", now)  # no cycle: not a report
    async with sessionmaker() as session:
        august = await reported_cycles(session, {"so-xd"}, date(2023, 8, 1), date(2023, 8, 31))
        nobody = await reported_cycles(session, set(), date(2023, 8, 1), date(2023, 8, 31))
    assert august == {(PLAN, "II.3.6", date(2023, 8, 5))}
    assert nobody == set()


async def test_get_and_delete_an_update(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    kept = await _update(sessionmaker, task_ids["III.1"], "so-xd", "in_progress", now)
    undone = await _update(sessionmaker, task_ids["III.1"], "so-xd", "done",
                           now + timedelta(minutes=1))
    async with sessionmaker.begin() as session:
        found = await get_update(session, undone.id)
        assert found is not None and found.status == "done"
        assert await delete_update(session, undone.id) is True
        assert await delete_update(session, undone.id) is False
        assert await get_update(session, undone.id) is None
    # The undo restores what the unit said before.
    assert await _done(sessionmaker, "so-xd") == set()
    async with sessionmaker() as session:
        assert [u.id for u in await recent_updates(session, "so-xd", 5)] == [kept.id]


async def test_recent_updates_on_one_task(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    report, other = task_ids["I.1"], task_ids["III.1"]
    for hours in range(4):
        await _update(sessionmaker, report, "so-xd", "in_progress", now + timedelta(hours=hours))
        await _update(sessionmaker, other, "so-xd", "done", now + timedelta(hours=hours))
    await _update(sessionmaker, report, "so-tc", "done", now + timedelta(days=1))
    async with sessionmaker() as session:
        recent = await recent_updates(session, "so-xd", 3, task_id=report)
        nothing = await recent_updates(session, "so-xd", 3, task_id=task_ids["III.2"])
    assert [(u.task_id, u.created_at) for u in recent] == [
        (report, now + timedelta(hours=hours)) for hours in (3, 2, 1)
    ]
    assert nothing == []


async def test_latest_update_per_unit_for_a_cycle(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    report = task_ids["I.1"]
    july_5, july_22 = date(2023, 7, 5), date(2023, 7, 22)
    await _update(sessionmaker, report, "so-xd", "done", now + timedelta(hours=2), cycle=july_5)
    late_about_past = await _update(sessionmaker, report, "so-xd", "blocked", now, cycle=july_5)
    await _update(sessionmaker, report, "so-tc", "in_progress", now, cycle=july_5)
    tie_winner = await _update(sessionmaker, report, "so-tc", "done", now, cycle=july_5)
    await _update(sessionmaker, report, "vien-nc", "done", now, cycle=july_22)
    await _update(sessionmaker, task_ids["III.1"], "vien-nc", "done", now, cycle=july_5)
    async with sessionmaker() as session:
        latest = await latest_updates_for_cycle(session, report, july_5)
        assert await latest_updates_for_cycle(session, report, date(2023, 8, 5)) == {}
    assert list(latest) == ["so-tc", "so-xd"]
    assert latest["so-tc"].id == tie_winner.id
    assert latest["so-xd"].status == "done" and latest["so-xd"].id != late_about_past.id

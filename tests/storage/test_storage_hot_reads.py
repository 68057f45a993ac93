"""The hot path's prepared reads mean what the readable queries they replace mean:
``unit_progress`` = ``done_tasks`` + ``reported_cycles``, ``member_record`` =
``get_member`` — compared on random histories, on both backends."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.hot_reads import member_record, unit_progress
from storage.members import get_member, set_member_active, upsert_member
from storage.progress import done_tasks, record_update, reported_cycles

UNITS = ("so-xd", "so-tc", "so-khdt", "to-cg-1")
STATUSES = ("in_progress", "done", "blocked", "done")
CYCLES = (None, date(2023, 7, 5), date(2023, 7, 22), date(2023, 8, 5), date(2023, 8, 22),
          date(2023, 9, 5))
MONTHS = ((date(2023, 7, 1), date(2023, 7, 31)), (date(2023, 8, 1), date(2023, 8, 31)),
          (date(2023, 6, 1), date(2023, 6, 30)))


@pytest.mark.parametrize("seed", range(4))
async def test_unit_progress_is_done_tasks_and_reported_cycles(
        sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int],
        now: datetime, seed: int) -> None:
    rng = random.Random(seed)
    tasks = sorted(task_ids.values())
    async with sessionmaker.begin() as session:
        for index in range(120):
            # Equal times on purpose: the id breaks the tie, as in done_tasks.
            at = now + timedelta(minutes=rng.randrange(40))
            await record_update(session, task_id=rng.choice(tasks), unit_id=rng.choice(UNITS),
                                member_id=None, cycle=rng.choice(CYCLES),
                                text=f"update {index}", percent=None,
                                status=rng.choice(STATUSES), at=at)
    for ids in ({"so-xd"}, {"so-tc", "so-khdt"}, {"to-cg-1"}, set(UNITS), set()):
        for start, end in MONTHS:
            async with sessionmaker() as session:
                fast = await unit_progress(session, ids, start, end)
                assert fast.done == await done_tasks(session, ids)
                assert fast.reported == await reported_cycles(session, ids, start, end)


async def test_member_record_reads_what_get_member_reads(
        sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int],
        now: datetime) -> None:
    async with sessionmaker.begin() as session:
        row = await upsert_member(session, channel="telegram", channel_user_id="42",
                                  display_name="Chị Lan", at=now, unit_id="so-xd",
                                  role="lead", language="en", chat_id="42")
        await set_member_active(session, row.id, False)
    async with sessionmaker() as session:
        record = await member_record(session, "telegram", "42")
        member = await get_member(session, "telegram", "42")
        assert member is not None and record is not None
        assert record == (member.id, "telegram", "42", "so-xd", "lead", "en", "Chị Lan", "42",
                          False, None)
        assert await member_record(session, "zalo", "42") is None
        assert await member_record(session, "telegram", "43") is None

"""Small, hand-made domain data for the storage tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.calendar import (
    Conditional,
    DateRange,
    From,
    HalfYearly,
    Monthly,
    OnDate,
    Ongoing,
    Quarterly,
    Weekly,
    Yearly,
)
from bot.plans import Plan, Task, TaskKind
from bot.units import Directory, Unit, UnitKind
from storage.plans import save_plan, task_ids_by_code
from storage.units import save_directory

HANOI = timezone(timedelta(hours=7))
T0 = datetime(2023, 7, 3, 8, 30, tzinfo=HANOI)


def small_directory() -> Directory:
    return Directory([
        Unit("so-khdt", "Sở Kế hoạch và Đầu tư", UnitKind.DEPARTMENT,
             abbreviations=("Sở KH&ĐT", "SKHĐT", "DPI"), aliases=("Sở Kế hoạch Đầu tư",),
             merged_into="so-tc", note="merged 2025"),
        Unit("so-tc", "Sở Tài chính", UnitKind.DEPARTMENT, abbreviations=("STC",)),
        Unit("so-xd", "Sở Xây dựng", UnitKind.DEPARTMENT),
        Unit("ubnd-tu-son", "UBND thành phố Từ Sơn", UnitKind.LOCALITY,
             aliases=("UBND thị xã Từ Sơn",)),
        Unit("ubnd-que-vo", "UBND huyện Quế Võ", UnitKind.LOCALITY, active=False),
        Unit("vien-nc", "Viện Nghiên cứu phát triển KT-XH", UnitKind.OTHER),
        Unit("to-cg-1", "Tổ chuyên gia số 1", UnitKind.EXPERT_TEAM),
        Unit("cac-so-nganh", "Các sở, ban, ngành", UnitKind.COLLECTIVE,
             member_kinds=(UnitKind.DEPARTMENT,)),
        Unit("cac-dia-phuong", "UBND các huyện, thị xã, thành phố", UnitKind.COLLECTIVE,
             member_kinds=(UnitKind.LOCALITY,)),
        Unit("tat-ca", "Các sở, ban, ngành, địa phương", UnitKind.COLLECTIVE,
             members=("cac-so-nganh", "cac-dia-phuong", "vien-nc")),
    ])


EVERY_SPEC = (
    OnDate(date(2023, 8, 31)),
    DateRange(date(2023, 7, 1), date(2023, 9, 30)),
    Weekly(),
    Weekly(4),
    Monthly(),
    Monthly((5, 22)),
    Quarterly(),
    HalfYearly(),
    Yearly(dates=((12, 15), (2, 29)), months=(6,)),
    From(date(2025, 7, 1)),
    Ongoing(),
    Conditional("sau khi có quyết định"),
)


def small_plan(plan_id: str = "bn-2023-q3") -> Plan:
    tasks = (
        Task("I.1", "I", "Báo cáo tình hình", "Báo cáo tình hình kinh tế - xã hội.",
             lead=("tat-ca",), recipients=("so-khdt", "vien-nc"),
             assignees_text="Các sở, ban, ngành, địa phương",
             deadline_text="trước ngày 05 và 22 hàng tháng", due=(Monthly((5, 22)),),
             kind=TaskKind.REPORT, number=1),
        Task("II.3.6", "II.3", "Giải ngân vốn đầu tư công", "Đẩy nhanh giải ngân.",
             lead=("so-khdt", "so-tc"), coordinating=("cac-dia-phuong", "so-xd"),
             deadline_text="Quý III/2023", due=(DateRange(date(2023, 7, 1), date(2023, 9, 30)),),
             number=2),
        Task("III.1", "III", "Mọi loại hạn", "Một nhiệm vụ có đủ loại thời hạn.",
             lead=("so-xd",), due=EVERY_SPEC, number=3),
        Task("III.2", "III", "Không thời hạn", "Không có thời hạn.", number=4),
    )
    return Plan(
        id=plan_id, title="Kế hoạch quý III và 6 tháng cuối năm 2023",
        starts=date(2023, 7, 1), ends=None, number="Số 123/KH-UBND",
        issued=date(2023, 6, 30), province="Bắc Ninh", year=2023, tasks=tasks,
    )


@pytest.fixture
def directory() -> Directory:
    return small_directory()


@pytest.fixture
def plan() -> Plan:
    return small_plan()


@pytest.fixture
def now() -> datetime:
    """A fixed, non-UTC "now": storage takes times as arguments, never reads a clock."""
    return T0


@pytest.fixture
async def task_ids(
    sessionmaker: async_sessionmaker[AsyncSession], directory: Directory, plan: Plan,
    now: datetime,
) -> dict[str, int]:
    """Saves ``directory`` and ``plan``; the plan's task ids by code."""
    async with sessionmaker.begin() as session:
        await save_directory(session, directory, at=now)
        await save_plan(session, plan, at=now)
        return await task_ids_by_code(session, plan.id)


@pytest.fixture
async def units(
    sessionmaker: async_sessionmaker[AsyncSession], directory: Directory, now: datetime
) -> Directory:
    """Saves ``directory``: invites, requests, chats and members point at units."""
    async with sessionmaker.begin() as session:
        await save_directory(session, directory, at=now)
    return directory


@pytest.fixture
def lock_waiter(engine: AsyncEngine) -> Callable[[], Awaitable[None]]:
    """PostgreSQL only: a coroutine that returns once some transaction waits for a
    lock, so a race test knows its second transaction really is blocked on the first.
    Polls pg_locks, which is live (pg_stat_activity is a per-transaction snapshot)."""

    async def wait() -> None:
        for _ in range(1000):
            async with engine.connect() as connection:
                query = text("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if await connection.scalar(query):
                    return
            await asyncio.sleep(0.005)
        raise AssertionError("no transaction ever waited for a lock")

    return wait

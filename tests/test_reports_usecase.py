"""The Reports use case on the seed plan and a real database (SQLite and PostgreSQL):
the 5th/22nd report's figures, the units still missing, the recent cycles, and a
unit's history — with Sở TT&TT merged into Sở KH&CN, as in 2025.

III.2 is owed by the 20 departments other than Sở KH&ĐT and the 8 localities: 28
units; with Sở TT&TT merged, 27."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime

import pytest

from bot.app import App, running_app
from bot.config import Settings
from bot.cycles import Cycle
from bot.members import MemberRole
from bot.report import ReportStatus
from bot.report import grid as build_grid
from bot.units import Directory
from bot.usecases.reports import UnknownCycle
from storage.progress import record_update
from storage.units import save_directory
from tests.conversation_kit import HANOI, NOW

PLAN = "bn-2023-q3"
AUG_5, AUG_22 = date(2023, 8, 5), date(2023, 8, 22)


def at(day: int, hour: int = 9, month: int = 8) -> datetime:
    return datetime(2023, month, day, hour, tzinfo=HANOI)


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[App]:
    async with running_app(Settings(database_url=database_url), clock=lambda: NOW) as running:
        directory = running.services.directory
        merged = Directory(replace(u, merged_into="so-khcn") if u.id == "so-tttt" else u
                           for u in directory)
        async with running.sessions.begin() as session:
            await save_directory(session, merged, at=NOW)
        await running.services.reload()
        yield running


async def _record(app: App, code: str, unit: str, cycle: date, when: datetime, text: str,
                  *, member: int | None = None, status: str = "in_progress",
                  percent: int | None = None) -> None:
    task_id = app.services.snapshot.task_ids[PLAN, code]
    async with app.sessions.begin() as session:
        await record_update(session, task_id=task_id, unit_id=unit, member_id=member,
                            cycle=cycle, text=text, percent=percent, status=status, at=when)


async def _fixture(app: App) -> None:
    lan = await app.services.enroll("chat", "7", unit_id="so-tp", role=MemberRole.OFFICER,
                                    at=NOW, display_name="Nguyễn Thị Lan")
    await _record(app, "III.2", "so-tp", AUG_22, at(9), "đang tổng hợp", member=lan.id,
                  percent=40)
    await _record(app, "III.2", "so-tp", AUG_22, at(10), "đã gửi báo cáo, xong 100%",
                  member=lan.id, status="done", percent=100)
    await _record(app, "III.2", "so-tttt", AUG_22, at(9), "Sở TT&TT đã nộp")  # → Sở KH&CN
    await _record(app, "III.2", "so-yt", AUG_22, at(23), "chậm, 80%", status="blocked",
                  percent=80)
    await _record(app, "III.2", "ubnd-h-gia-binh", AUG_5, at(4), "kỳ 05/08")
    await _record(app, "II.8.1", "so-tp", date(2023, 8, 31), at(9), "nhiệm vụ khác")


async def test_the_cycle_report(app: App) -> None:
    await _fixture(app)
    report = await app.usecases.reports.report(Cycle(AUG_22, PLAN, "III.2"))
    assert (report.obligated, report.count(ReportStatus.ON_TIME),
            report.count(ReportStatus.LATE), report.count(ReportStatus.MISSING)) == (27, 2, 1, 24)
    reported = [(u.name, u.status) for u in report.units if u.status is not ReportStatus.MISSING]
    assert reported == [("Sở Y tế", ReportStatus.LATE),
                        ("Sở Khoa học và Công nghệ", ReportStatus.ON_TIME),
                        ("Sở Tư pháp", ReportStatus.ON_TIME)]
    justice = report.unit("so-tp")
    assert justice is not None and justice.latest is not None
    assert (justice.latest.member, justice.latest.text, justice.latest.percent) == (
        "Nguyễn Thị Lan", "đã gửi báo cáo, xong 100%", 100)
    assert len(report.updates) == 4  # III.2 on 22/08 only: not 05/08, not II.8.1


async def test_missing_units_and_recent_cycles_for_the_broadcasts(app: App) -> None:
    await _fixture(app)
    reports = app.usecases.reports
    missing = await reports.missing_units(PLAN, "III.2", AUG_22)
    assert len(missing) == 24
    assert not {"so-tp", "so-khcn", "so-yt", "so-tttt", "so-khdt"} & set(missing)
    assert missing[0] == "bql-kcn"  # by name: "Ban Quản lý các khu công nghiệp tỉnh" first
    on_5 = await reports.missing_units(PLAN, "III.2", AUG_5)
    assert len(on_5) == 26 and "ubnd-h-gia-binh" not in on_5
    assert reports.recent_cycles(date(2023, 8, 10), 6) == [
        Cycle(AUG_5, PLAN, "III.2"), Cycle(date(2023, 7, 22), PLAN, "III.2")]
    assert reports.recent_cycles(date(2023, 9, 6), 2) == [
        Cycle(date(2023, 9, 5), PLAN, "III.2"), Cycle(AUG_22, PLAN, "III.2")]
    with pytest.raises(UnknownCycle):
        await reports.missing_units(PLAN, "III.2", date(2023, 8, 10))  # not a cycle
    with pytest.raises(UnknownCycle):
        await reports.missing_units(PLAN, "IX.9", AUG_22)
    with pytest.raises(UnknownCycle):
        await reports.missing_units("another-plan", "III.2", AUG_22)


async def test_a_units_history(app: App) -> None:
    await _fixture(app)
    history = await app.usecases.reports.unit_history("so-tttt", date(2023, 8, 10))
    assert history.unit_id == "so-khcn" and history.name == "Sở Khoa học và Công nghệ"
    assert [(r.report.due, r.line.status, r.not_due) for r in history.rows] == [
        (AUG_22, ReportStatus.ON_TIME, False),  # sent for the cycle open now
        (AUG_5, ReportStatus.MISSING, False),
        (date(2023, 7, 22), ReportStatus.MISSING, False),
    ]
    locality = await app.usecases.reports.unit_history("ubnd-h-gia-binh", date(2023, 8, 10))
    assert [(r.report.due, r.line.status, r.not_due) for r in locality.rows] == [
        (AUG_22, ReportStatus.MISSING, True),  # not due yet: nothing is missing so far
        (AUG_5, ReportStatus.ON_TIME, False),
        (date(2023, 7, 22), ReportStatus.MISSING, False),
    ]


async def test_the_chart_grid_reads_statuses_only_and_agrees_with_the_reports(app: App) -> None:
    # The grid reads each unit's earliest update per cycle (first_update_times), not
    # every update: the cells must be those the full reports give, merged unit included.
    await _fixture(app)
    await _record(app, "III.2", "so-tttt", AUG_5, at(4), "dưới tên cũ, đúng hạn")
    await _record(app, "III.2", "so-xd", AUG_5, at(7), "muộn")
    await _record(app, "III.2", "so-xd", AUG_5, at(8), "muộn nữa")
    reports = app.usecases.reports
    cycle = Cycle(AUG_22, PLAN, "III.2")
    grid = await reports.grid(cycle, NOW.date())
    cycles = [Cycle(due, PLAN, "III.2") for due in grid.cycles]
    assert grid == build_grid(await reports.reports(cycles), NOW.date())
    assert len(grid.cycles) > 1 and any(cells for cells in grid.cells)

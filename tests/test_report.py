"""Cycle reports (pure): who owes a cycle, who is on time, late or missing, against a
hand-built directory and plan whose figures are worked out by hand below."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.report import (
    Cell,
    CycleUpdate,
    ReportStatus,
    build_report,
    grid,
    obligated_units,
)
from tests.report_fixture import (
    DATED,
    DIRECTORY,
    DUE,
    HANOI,
    PLAN,
    REPORT,
    UPDATES,
    at,
    update,
)


def test_obligated_units_are_the_leads_minus_the_recipient_with_merges_followed() -> None:
    assert obligated_units(PLAN, REPORT, DIRECTORY, DUE) == {
        "so-tp", "so-yt", "so-xd", "so-khcn", "h-gia-binh"}
    assert obligated_units(PLAN, REPORT, DIRECTORY, date(2023, 8, 10)) == frozenset()
    assert obligated_units(PLAN, DATED, DIRECTORY, date(2023, 8, 31)) == {"so-tp"}


def test_the_figures_and_the_order() -> None:
    report = build_report(PLAN, REPORT, DUE, DIRECTORY, UPDATES, HANOI)
    assert [(u.name, u.status) for u in report.units] == [
        ("UBND huyện Gia Bình", ReportStatus.MISSING),
        ("Sở Xây dựng", ReportStatus.LATE),
        ("Sở Y tế", ReportStatus.LATE),
        ("Sở Khoa học và Công nghệ", ReportStatus.ON_TIME),  # through Sở TT&TT
        ("Sở Tư pháp", ReportStatus.ON_TIME),
    ]
    assert (report.obligated, report.reported, report.count(ReportStatus.ON_TIME),
            report.count(ReportStatus.LATE), report.count(ReportStatus.MISSING)) == (5, 4, 2, 2, 1)
    assert report.rate == pytest.approx(0.8)
    lines = {u.unit_id: u for u in report.units}
    latest = lines["so-tp"].latest
    assert latest is not None and (latest.text, latest.percent) == ("xong 100%", 100)
    assert lines["h-gia-binh"].latest is None
    merged = lines["so-khcn"].latest
    assert merged is not None and merged.member is None and merged.unit_id == "so-khcn"
    # Every update is kept for the export, under today's unit, oldest first.
    assert len(report.updates) == 7
    assert report.updates[0].text == "đã nộp" and report.name_of("so-khcn") == \
        "Sở Khoa học và Công nghệ"
    assert report.name_of("ubnd-tinh") == "UBND tỉnh"


def _status(sent: list[CycleUpdate], unit: str = "h-gia-binh") -> ReportStatus | None:
    line = build_report(PLAN, REPORT, DUE, DIRECTORY, sent, HANOI).unit(unit)
    return line.status if line else None


def test_an_update_on_the_due_day_is_on_time_to_the_last_minute() -> None:
    assert _status([update("h-gia-binh", at(22, 23, 59))]) is ReportStatus.ON_TIME
    assert _status([update("h-gia-binh", at(23, 0, 0))]) is ReportStatus.LATE


def test_a_late_correction_after_an_on_time_report_stays_on_time_but_is_the_latest() -> None:
    sent = [update("so-tp", at(21, 9), "bản đầu"), update("so-tp", at(25, 9), "bổ sung")]
    line = build_report(PLAN, REPORT, DUE, DIRECTORY, sent, HANOI).unit("so-tp")
    assert line is not None and line.status is ReportStatus.ON_TIME
    assert line.latest is not None and line.latest.text == "bổ sung"


def test_two_updates_at_the_same_moment_the_one_stored_last_wins() -> None:
    sent = [update("so-tp", at(21, 9), "thứ nhất"), update("so-tp", at(21, 9), "thứ hai")]
    line = build_report(PLAN, REPORT, DUE, DIRECTORY, sent, HANOI).unit("so-tp")
    assert line is not None and line.latest is not None and line.latest.text == "thứ hai"


def test_a_cycle_with_no_update() -> None:
    report = build_report(PLAN, REPORT, date(2023, 8, 5), DIRECTORY, [], HANOI)
    assert report.obligated == 5 and report.reported == 0 and report.rate == 0
    assert all(u.status is ReportStatus.MISSING for u in report.units)
    assert [u.name for u in report.units] == [
        "Sở Khoa học và Công nghệ", "Sở Tư pháp", "Sở Xây dựng", "Sở Y tế",
        "UBND huyện Gia Bình"]


def test_a_cycle_every_unit_reported() -> None:
    units = ["so-tp", "so-yt", "so-xd", "so-tttt", "h-gia-binh"]
    report = build_report(PLAN, REPORT, DUE, DIRECTORY,
                          [update(u, at(20, 8)) for u in units], HANOI)
    assert (report.obligated, report.count(ReportStatus.ON_TIME), report.rate) == (5, 5, 1.0)


def test_not_a_cycle_of_the_task_owes_nothing() -> None:
    report = build_report(PLAN, REPORT, date(2023, 8, 10), DIRECTORY, UPDATES[:1], HANOI)
    assert report.units == () and report.rate == 1.0


def test_the_grid_greys_what_was_not_owed_or_not_yet_due() -> None:
    cycles = [date(2023, 7, 22), date(2023, 8, 5), DUE, date(2023, 9, 5)]
    sent = [update("so-tp", at(22, 9, month=7)), update("so-tp", at(6, 9)),
            update("so-yt", at(1, 9, month=9))]
    reports = [build_report(PLAN, REPORT, d, DIRECTORY,
                            [u for u in sent if _cycle_of(u.created_at) == d], HANOI)
               for d in reversed(cycles)]  # any order in; the grid sorts by date
    chart = grid(reports, today=date(2023, 8, 25))
    assert chart.cycles == tuple(cycles)
    assert chart.units[:2] == ("Sở Khoa học và Công nghệ", "Sở Tư pháp")
    rows = dict(zip(chart.units, chart.cells, strict=True))
    # 22/07 on time; 05/08 sent on the 6th (for 05/08 via a late button): late;
    # 22/08 nothing; 05/09 not due yet.
    assert rows["Sở Tư pháp"] == (Cell.ON_TIME, Cell.LATE, Cell.MISSING, Cell.NOT_DUE)
    assert rows["Sở Y tế"] == (Cell.MISSING, Cell.MISSING, Cell.MISSING, Cell.ON_TIME)


def _cycle_of(moment: datetime) -> date:
    """The cycles these grid updates were sent for (a late one belongs to the cycle before)."""
    day = moment.astimezone(HANOI).date()
    return {date(2023, 7, 22): date(2023, 7, 22), date(2023, 8, 6): date(2023, 8, 5),
            date(2023, 9, 1): date(2023, 9, 5)}[day]


def test_times_are_compared_in_the_provinces_zone_not_utc() -> None:
    # 23:00 on the 22nd in Hà Nội is 16:00 UTC: on time either way; 01:00 on the 23rd
    # in Hà Nội is 18:00 UTC on the 22nd: on time in UTC, late in the province.
    sent = [update("so-tp", datetime(2023, 8, 22, 18, 0, tzinfo=UTC))]
    line = build_report(PLAN, REPORT, DUE, DIRECTORY, sent, HANOI).unit("so-tp")
    assert line is not None and line.status is ReportStatus.LATE
    line = build_report(PLAN, REPORT, DUE, DIRECTORY, sent, UTC).unit("so-tp")
    assert line is not None and line.status is ReportStatus.ON_TIME

"""Which cycles a report is about, on the seed plan (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.cycles import Cycle
from bot.datafiles import load_directory, load_plan
from bot.report_cycles import (
    InvalidDay,
    cycles_on,
    default_cycle,
    default_task,
    next_cycle,
    parse_day,
    previous_cycle,
    recent_cycles,
)

DIRECTORY = load_directory()
SEED = load_plan(directory=DIRECTORY)
DPI = SEED.task("III.2")
TODAY = date(2023, 8, 10)


def dpi(day: str) -> Cycle:
    return Cycle(date.fromisoformat(day), SEED.id, "III.2")


@pytest.mark.parametrize(("text", "today", "expected"), [
    ("22/8", TODAY, date(2023, 8, 22)),
    ("22/08/2023", TODAY, date(2023, 8, 22)),
    ("2023-08-22", TODAY, date(2023, 8, 22)),
    ("5.8", TODAY, date(2023, 8, 5)),
    (" 05/08 ", TODAY, date(2023, 8, 5)),
    ("5/1", date(2023, 12, 20), date(2024, 1, 5)),  # the nearest 5 January
    ("22/12", date(2024, 1, 3), date(2023, 12, 22)),
    ("29/2", TODAY, date(2024, 2, 29)),  # the only 29 February within a year
])
def test_parse_day(text: str, today: date, expected: date) -> None:
    assert parse_day(text, today) == expected


@pytest.mark.parametrize("text", ["31/2", "abc", "2023-02-30", "0/8", "32/8", "22/13",
                                  "", "22/8/23", "2023/08/22x", "tháng 8"])
def test_parse_day_refuses(text: str) -> None:
    with pytest.raises(InvalidDay):
        parse_day(text, TODAY)


def test_the_default_is_the_dpi_report_at_its_latest_cycle() -> None:
    found = default_task([SEED], DIRECTORY, TODAY)
    assert found is not None and found[1].code == "III.2"  # 28 units, not the 5 expert teams
    assert default_cycle([SEED], DIRECTORY, TODAY) == dpi("2023-08-05")
    assert default_cycle([SEED], DIRECTORY, date(2023, 8, 22)) == dpi("2023-08-22")  # today counts
    # Before the plan's first cycle (22/07/2023): that first cycle.
    assert default_cycle([SEED], DIRECTORY, date(2023, 7, 1)) == dpi("2023-07-22")
    assert default_cycle([], DIRECTORY, TODAY) is None


def test_cycles_on_a_date() -> None:
    assert cycles_on([SEED], DIRECTORY, date(2023, 8, 22)) == [dpi("2023-08-22")]
    assert cycles_on([SEED], DIRECTORY, TODAY) == []
    on_31 = cycles_on([SEED], DIRECTORY, date(2023, 8, 31))
    codes = [c.task_code for c in on_31]
    assert "II.8.1" in codes and "II.1.3" in codes and "III.2" not in codes
    # Only tasks someone owes: a deadline with no lead unit is nobody's report.
    assert all(SEED.task(code).lead for code in codes)
    # The expert teams' report on the 30th (II.3.6), owed by the five teams.
    assert [c.task_code for c in cycles_on([SEED], DIRECTORY, date(2023, 8, 30))] == ["II.3.6"]


def test_neighbours_and_recent_cycles() -> None:
    assert previous_cycle(SEED, DPI, date(2023, 8, 5)) == dpi("2023-07-22")
    assert previous_cycle(SEED, DPI, date(2023, 7, 22)) is None  # the plan starts 18/07
    assert next_cycle(SEED, DPI, date(2023, 8, 22)) == dpi("2023-09-05")
    assert next_cycle(SEED, DPI, date(2023, 8, 10)) == dpi("2023-08-22")
    assert recent_cycles(SEED, DPI, TODAY, 6) == [dpi("2023-08-05"), dpi("2023-07-22")]
    assert recent_cycles(SEED, DPI, date(2023, 10, 5), 3) == [
        dpi("2023-10-05"), dpi("2023-09-22"), dpi("2023-09-05")]
    assert recent_cycles(SEED, DPI, date(2023, 7, 20), 6) == []
    assert recent_cycles(SEED, DPI, TODAY, 0) == []
    dated = SEED.task("II.8.1")
    assert previous_cycle(SEED, dated, date(2023, 8, 31)) is None
    assert next_cycle(SEED, dated, date(2023, 8, 31)) is None

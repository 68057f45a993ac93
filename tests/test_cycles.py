"""Report cycles on the seed plan's two recurring reports and on dated tasks."""

from __future__ import annotations

from datetime import date

import pytest

from bot.cycles import Cycle, cycle_for, cycles_between, is_periodic, latest_cycle
from bot.datafiles import load_directory, load_plan
from bot.plans import Plan

SEED = load_plan(directory=load_directory())
DPI_REPORT = SEED.task("III.2")  # "trước ngày 05 và 22 hàng tháng"
EXPERT_REPORT = SEED.task("II.3.6")  # "vào ngày 15 và 30 hàng tháng"


@pytest.mark.parametrize(("sent", "due"), [
    (date(2023, 8, 3), date(2023, 8, 5)),
    (date(2023, 8, 5), date(2023, 8, 5)),  # on the day still counts for that day
    (date(2023, 8, 6), date(2023, 8, 22)),
    (date(2023, 8, 23), date(2023, 9, 5)),
    (date(2023, 12, 30), date(2024, 1, 5)),  # across the year
    (date(2023, 7, 1), date(2023, 7, 22)),  # before the plan starts (18/07): first cycle
])
def test_dpi_report_cycle(sent: date, due: date) -> None:
    assert cycle_for(SEED, DPI_REPORT, sent) == Cycle(due, "bn-2023-q3", "III.2")


@pytest.mark.parametrize(("sent", "due"), [
    (date(2024, 2, 16), date(2024, 2, 29)),  # leap year: the 30th is the 29th
    (date(2023, 2, 16), date(2023, 7, 30)),  # before the plan: its first cycle after 18/07
    (date(2025, 2, 16), date(2025, 2, 28)),
    (date(2025, 3, 1), date(2025, 3, 15)),
])
def test_expert_report_cycle(sent: date, due: date) -> None:
    cycle = cycle_for(SEED, EXPERT_REPORT, sent)
    assert cycle is not None and cycle.due == due


def test_dated_task_cycle_is_its_deadline() -> None:
    task = SEED.task("II.8.1")  # "trong tháng 8/2023"
    assert cycle_for(SEED, task, date(2023, 8, 10)) == Cycle(date(2023, 8, 31), SEED.id, "II.8.1")
    # A late update still counts for the deadline it missed.
    assert cycle_for(SEED, task, date(2023, 10, 1)) == Cycle(date(2023, 8, 31), SEED.id, "II.8.1")


def test_open_ended_work_has_no_cycle() -> None:
    assert cycle_for(SEED, SEED.task("II.1.2"), date(2023, 8, 1)) is None  # hàng tuần/tháng
    assert cycle_for(SEED, SEED.task("II.9"), date(2023, 8, 1)) is None  # no deadline
    assert not is_periodic(SEED.task("II.1.2")) and is_periodic(DPI_REPORT)


def test_cycles_between_and_plan_end() -> None:
    year = cycles_between(SEED, DPI_REPORT, date(2024, 1, 1), date(2024, 12, 31))
    assert len(year) == 24
    closed = Plan(**{**SEED.__dict__, "ends": date(2024, 6, 30)})
    assert len(cycles_between(closed, DPI_REPORT, date(2024, 1, 1), date(2024, 12, 31))) == 12
    assert cycle_for(closed, DPI_REPORT, date(2024, 7, 1)) is None


def test_latest_cycle() -> None:
    assert latest_cycle(SEED, DPI_REPORT, date(2023, 8, 21)) == \
        Cycle(date(2023, 8, 5), SEED.id, "III.2")
    on_the_day = latest_cycle(SEED, DPI_REPORT, date(2023, 8, 22))
    assert on_the_day is not None and on_the_day.due == date(2023, 8, 22)
    assert latest_cycle(SEED, DPI_REPORT, date(2023, 7, 1)) is None


def test_cycle_key() -> None:
    assert Cycle(date(2023, 8, 22), "bn-2023-q3", "III.2").key == "bn-2023-q3/III.2/2023-08-22"

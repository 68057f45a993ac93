"""Time-travel tests of the pure reminder schedule (bot/reminders.py) over whole years
of the seed plan, in Asia/Ho_Chi_Minh.

Every expected date below was worked out by hand from the calendar: weekdays checked
with Python's ``datetime``, days off with the ``holidays`` package (VN) and against the
Government's announced days — 2027: 1/1 (Fri); Tết 4-10/02 (Thu-Wed); Giỗ Tổ 16/04 (Fri);
30/04 (Fri), 01/05 (Sat) with 03/05 (Mon) off in lieu; 02-03/09 (Thu-Fri); 24/11 (Wed).
2028: 01/01 (Sat) with 03/01 (Mon) off. 2024: 29/04-01/05 off, Saturday 04/05 worked.
Default policy: 3 and 1 working days before and the due day, at 08:00; escalation 16:00.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
import pytest

from bot.calendar import DateRange
from bot.datafiles import load_directory, load_plan
from bot.reminders import Reminder, ReminderKind, ReminderPolicy, obligations, schedule
from bot.workdays import WorkingCalendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DIRECTORY = load_directory()
PLAN = load_plan(directory=DIRECTORY)
CAL = WorkingCalendar()
BEFORE, DUE_DAY, ESCALATION = ReminderKind.BEFORE, ReminderKind.DUE_DAY, ReminderKind.ESCALATION
D = date.fromisoformat

# Counted from units.yaml by hand: 21 departments, 8 district-level localities, 5 teams.
DEPARTMENTS = {
    "so-khdt", "so-tc", "so-xd", "so-tnmt", "so-tttt", "so-ct", "so-vhttdl", "so-nnptnt",
    "so-tp", "cong-an", "cuc-thue", "bql-kcn", "vien-ptktxh", "so-nv", "so-yt", "so-gddt",
    "so-gtvt", "so-khcn", "so-ldtbxh", "thanh-tra", "vp-ubnd",
}
LOCALITIES = {
    "ubnd-tp-bac-ninh", "ubnd-tp-tu-son", "ubnd-tx-thuan-thanh", "ubnd-tx-que-vo",
    "ubnd-h-yen-phong", "ubnd-h-tien-du", "ubnd-h-gia-binh", "ubnd-h-luong-tai",
}
III2_UNITS = (DEPARTMENTS - {"so-khdt"}) | LOCALITIES  # Sở KH&ĐT collects, never reports
TEAMS = {f"to-cg-{n}" for n in range(1, 6)}

# due | before-3 | before-1 | due-day reminder (all 08:00). III.2 for every one of its units.
III2_2027 = """
2027-01-05 2026-12-30 2027-01-04 2027-01-05  1/1 Fri off: before-3 falls in 2026
2027-01-22 2027-01-19 2027-01-21 2027-01-22
2027-02-05 2027-01-29 2027-02-02 2027-02-03  Tết 4-10/02: due Fri inside it -> Wed
2027-02-22 2027-02-17 2027-02-19 2027-02-22
2027-03-05 2027-03-02 2027-03-04 2027-03-05
2027-03-22 2027-03-17 2027-03-19 2027-03-22
2027-04-05 2027-03-31 2027-04-02 2027-04-05
2027-04-22 2027-04-19 2027-04-21 2027-04-22
2027-05-05 2027-04-28 2027-05-04 2027-05-05  30/4, 1/5, 3/5 skipped
2027-05-22 2027-05-18 2027-05-20 2027-05-21  Sat -> Fri
2027-06-05 2027-06-01 2027-06-03 2027-06-04  Sat -> Fri
2027-06-22 2027-06-17 2027-06-21 2027-06-22
2027-07-05 2027-06-30 2027-07-02 2027-07-05
2027-07-22 2027-07-19 2027-07-21 2027-07-22
2027-08-05 2027-08-02 2027-08-04 2027-08-05
2027-08-22 2027-08-17 2027-08-19 2027-08-20  Sun -> Fri
2027-09-05 2027-08-27 2027-08-31 2027-09-01  Sun, Sat, 3/9, 2/9 -> Wed 1/9
2027-09-22 2027-09-17 2027-09-21 2027-09-22
2027-10-05 2027-09-30 2027-10-04 2027-10-05
2027-10-22 2027-10-19 2027-10-21 2027-10-22
2027-11-05 2027-11-02 2027-11-04 2027-11-05
2027-11-22 2027-11-17 2027-11-19 2027-11-22
2027-12-05 2027-11-30 2027-12-02 2027-12-03  Sun -> Fri
2027-12-22 2027-12-17 2027-12-21 2027-12-22
2028-01-05 2027-12-30 2028-01-04 2028-01-05  1/1 Sat, 3/1 Mon off: before-3 in 2027
"""
# II.3.6, the expert teams' report on the 15th and the 30th ("30th" of February = 28/02).
II36_2027 = """
2027-01-15 2027-01-12 2027-01-14 2027-01-15
2027-01-30 2027-01-26 2027-01-28 2027-01-29  Sat -> Fri
2027-02-15 2027-02-03 2027-02-12 2027-02-15  before-3 jumps back over the whole of Tết
2027-02-28 2027-02-23 2027-02-25 2027-02-26  not leap: 28/02, a Sunday -> Fri 26/02
2027-03-15 2027-03-10 2027-03-12 2027-03-15
2027-03-30 2027-03-25 2027-03-29 2027-03-30
2027-04-15 2027-04-12 2027-04-14 2027-04-15  Giỗ Tổ 16/04 is after the due day
2027-04-30 2027-04-26 2027-04-28 2027-04-29  30/4 Fri off -> Thu 29/4
2027-05-15 2027-05-11 2027-05-13 2027-05-14
2027-05-30 2027-05-25 2027-05-27 2027-05-28
2027-06-15 2027-06-10 2027-06-14 2027-06-15
2027-06-30 2027-06-25 2027-06-29 2027-06-30
2027-07-15 2027-07-12 2027-07-14 2027-07-15
2027-07-30 2027-07-27 2027-07-29 2027-07-30
2027-08-15 2027-08-10 2027-08-12 2027-08-13
2027-08-30 2027-08-25 2027-08-27 2027-08-30
2027-09-15 2027-09-10 2027-09-14 2027-09-15
2027-09-30 2027-09-27 2027-09-29 2027-09-30
2027-10-15 2027-10-12 2027-10-14 2027-10-15
2027-10-30 2027-10-26 2027-10-28 2027-10-29
2027-11-15 2027-11-10 2027-11-12 2027-11-15
2027-11-30 2027-11-25 2027-11-29 2027-11-30
2027-12-15 2027-12-10 2027-12-14 2027-12-15
2027-12-30 2027-12-27 2027-12-29 2027-12-30
2028-02-29 2028-02-24 2028-02-28 2028-02-29  leap year: the 29th, a Tuesday
"""


def rows(table: str) -> list[tuple[date, ...]]:
    return [tuple(D(x) for x in line.split()[:4]) for line in table.strip().splitlines()]


def at(day: str | date, hhmm: str = "08:00") -> datetime:
    return datetime.combine(D(day) if isinstance(day, str) else day, time.fromisoformat(hhmm),
                            tzinfo=TZ)


def run(start: str, end: str, *, plan=PLAN, workdays=CAL, **kw) -> list[Reminder]:
    return schedule([plan], DIRECTORY, workdays, TZ, at(start, "00:00"), at(end, "00:00"), **kw)


def pick(found, *, task=None, unit=None, kind=None, due=None) -> list[Reminder]:
    """``unit``: that unit's own reminders (escalations, to the admins, are not)."""
    return [r for r in found if (task is None or r.task.code == task)
            and (unit is None or (r.units == (unit,) and r.kind is not ESCALATION))
            and (kind is None or r.kind is kind) and (due is None or r.due == due)]


def plan_of(found: list[Reminder]) -> list[tuple[ReminderKind, int, datetime]]:
    return [(r.kind, r.lead, r.send_at) for r in found]


def triple(b3: date, b1: date, day: date, moment: str = "08:00") -> list:
    return [(BEFORE, 3, at(b3, moment)), (BEFORE, 1, at(b1, moment)),
            (DUE_DAY, 0, at(day, moment))]


@cache
def wide() -> list[Reminder]:
    """Everything sent from 1 Dec 2026 to mid-March 2028."""
    return run("2026-12-01", "2028-03-15")


@cache
def year_2027() -> list[Reminder]:
    return run("2027-01-01", "2028-01-01")


def _is_working(day: date) -> bool:  # the hand rule, for checking the tables themselves
    return day.weekday() < 5 and day not in holidays.country_holidays("VN", years=day.year)


def test_holiday_table_matches_the_announced_days() -> None:
    vn = holidays.country_holidays("VN", years=[2024, 2027, 2028])
    tet = [date(2027, 2, 4) + timedelta(days=i) for i in range(7)]
    assert all(d in vn for d in tet) and date(2027, 2, 3) not in vn and date(2027, 2, 11) not in vn
    assert (tet[0].weekday(), tet[-1].weekday()) == (3, 2)  # Thursday .. Wednesday
    assert {date(2027, 4, 30), date(2027, 5, 1), date(2027, 5, 3)} <= set(vn)
    assert [date(2027, 4, 30).weekday(), date(2027, 5, 1).weekday()] == [4, 5]
    assert {date(2027, 9, 2), date(2027, 9, 3), date(2028, 1, 3)} <= set(vn)
    assert date(2024, 4, 29) in vn and date(2024, 5, 4).weekday() == 5
    assert date(2024, 5, 4) in vn.weekend_workdays


@pytest.mark.parametrize("row", rows(III2_2027), ids=lambda r: f"III.2-{r[0]}")
def test_iii2_report_reminders_for_every_unit(row: tuple[date, ...]) -> None:
    due, b3, b1, day = row
    assert all(_is_working(d) for d in (b3, b1, day)) and b3 < b1 < day <= due
    mine = pick(wide(), task="III.2", due=due)
    for unit in sorted(III2_UNITS):
        assert plan_of(pick(mine, unit=unit)) == triple(b3, b1, day), unit
    assert not pick(mine, unit="so-khdt") and not pick(mine, unit="to-cg-1")
    (escalation,) = pick(mine, kind=ESCALATION)
    assert escalation.send_at == at(day, "16:00") and set(escalation.units) == III2_UNITS


@pytest.mark.parametrize("row", rows(II36_2027), ids=lambda r: f"II.3.6-{r[0]}")
def test_expert_team_report_reminders(row: tuple[date, ...]) -> None:
    due, b3, b1, day = row
    assert all(_is_working(d) for d in (b3, b1, day)) and b3 < b1 < day <= due
    mine = pick(wide(), task="II.3.6", due=due)
    for unit in sorted(TEAMS):
        assert plan_of(pick(mine, unit=unit)) == triple(b3, b1, day), unit
    (escalation,) = pick(mine, kind=ESCALATION)
    assert (escalation.send_at, set(escalation.units)) == (at(day, "16:00"), TEAMS)
    assert not [r for r in mine if "vien-ptktxh" in r.units]  # the institute only collects


def test_every_2027_occurrence_gets_three_reminders_on_three_days() -> None:
    # With 3/1/0 working days the three days are distinct by construction; the widest
    # 2027 case is 15/02 (before-3 is 03/02, 12 calendar days earlier, across Tết).
    for unit, task in (("so-tp", "III.2"), ("ubnd-h-luong-tai", "III.2"), ("to-cg-3", "II.3.6")):
        per_due: dict[date, list[Reminder]] = {}
        for r in pick(wide(), task=task, unit=unit):
            if r.due.year == 2027:
                per_due.setdefault(r.due, []).append(r)
        assert len(per_due) == 24
        assert all(len({r.send_at.date() for r in found}) == 3 for found in per_due.values())


def test_two_equal_lead_times_make_one_reminder() -> None:
    policy = ReminderPolicy(lead_days=(3, 3, 1))
    found = pick(run("2027-01-25", "2027-02-04", policy_for=lambda u: policy),
                 task="III.2", unit="so-tp", due=D("2027-02-05"))
    assert plan_of(found) == triple(D("2027-01-29"), D("2027-02-02"), D("2027-02-03"))


@pytest.mark.parametrize("unit", ["so-tp", "vien-ptktxh", "ubnd-tx-que-vo", "to-cg-1", "to-cg-5"])
def test_2027_yearly_total_per_unit(unit: str) -> None:
    # 24 cycles x 3 = 72. For III.2, 30/12/2026 (before-3 of 05/01/2027) is outside the
    # year and 30/12/2027 (before-3 of 05/01/2028) inside it: still 72.
    found = pick(year_2027(), unit=unit)
    assert len(found) == 72
    assert {r.task.code for r in found} == {"II.3.6" if unit in TEAMS else "III.2"}


def test_2027_totals_escalations_and_dpi() -> None:
    found = year_2027()
    assert not [r for r in found if "so-khdt" in r.units]  # it leads nothing dated in 2027
    assert len(pick(found, task="III.2", kind=ESCALATION)) == 24
    assert len(pick(found, task="II.3.6", kind=ESCALATION)) == 24
    assert len(found) == 28 * 72 + 5 * 72 + 48
    assert pick(found, unit="so-tp", due=D("2028-01-05"))[0].send_at == at("2027-12-30")
    assert [r.lead for r in pick(found, due=D("2027-01-05"), kind=BEFORE, unit="so-tp")] == [1]
    occ = obligations([PLAN], DIRECTORY, date(2027, 1, 1), date(2027, 12, 31))
    assert {o.unit_id for o in occ if o.task.code == "III.2"} == III2_UNITS
    assert len(occ) == 28 * 24 + 5 * 24


def test_dpi_in_2023_only_for_the_dated_tasks_it_leads() -> None:
    found = pick(run("2023-01-01", "2024-01-01"), unit="so-khdt")
    by_task = {r.task.code for r in found}
    assert by_task == {"II.3.4", "II.6.3", "II.3.12", "II.4.1", "II.6.4"} and len(found) == 15
    assert plan_of(pick(found, task="II.6.4")) == triple(  # 30/09/2023, a Saturday
        D("2023-09-26"), D("2023-09-28"), D("2023-09-29"))


def test_tet_2027_due_day_and_escalation() -> None:
    found = run("2027-02-03", "2027-02-04")
    due_day = pick(found, task="III.2", kind=DUE_DAY)
    assert {r.units[0] for r in due_day} == III2_UNITS
    assert {r.send_at for r in due_day} == {at("2027-02-03")}
    # The teams' before-3 for 15/02 lands on the same morning.
    assert {r.units[0] for r in pick(found, task="II.3.6")} == TEAMS
    (escalation,) = pick(found, kind=ESCALATION)
    assert escalation.send_at == at("2027-02-03", "16:00") and len(escalation.units) == 28
    assert not run("2027-02-04", "2027-02-11")  # nothing at all during Tết


def test_2024_working_saturday_carries_reminders() -> None:
    found = run("2024-04-15", "2024-05-10")
    assert plan_of(pick(found, task="III.2", unit="so-tp", due=D("2024-05-05"))) == triple(
        D("2024-04-26"), D("2024-05-03"), D("2024-05-04"))  # Sat 04/05/2024 is worked
    assert pick(found, task="III.2", kind=ESCALATION, due=D("2024-05-05"))[0].send_at == at(
        "2024-05-04", "16:00")
    assert plan_of(pick(found, task="II.3.6", unit="to-cg-2", due=D("2024-04-30"))) == triple(
        D("2024-04-23"), D("2024-04-25"), D("2024-04-26"))  # 30/4 Tue, 29/4 Mon off


@pytest.mark.parametrize(
    ("off", "working", "due", "expected"),
    [
        # Mon 22/03/2027 given off: Fri 19, Thu 18, Tue 16.
        (["2027-03-22"], [], "2027-03-22", ("2027-03-16", "2027-03-18", "2027-03-19")),
        # Sat 05/06/2027 made a working day: the due day stays on Saturday.
        ([], ["2027-06-05"], "2027-06-05", ("2027-06-02", "2027-06-04", "2027-06-05")),
        # Tết eve Fri 05/02/2027 worked; Thu 04/02 still off.
        ([], ["2027-02-05"], "2027-02-05", ("2027-02-01", "2027-02-03", "2027-02-05")),
        # Extra days off Mon-Tue 01-02/02/2027: the due day stays Wed 03/02, the
        # "before" reminders move back to January.
        (["2027-02-01", "2027-02-02"], [], "2027-02-05",
         ("2027-01-27", "2027-01-29", "2027-02-03")),
    ],
)
def test_admin_days_off_and_working_days(off, working, due, expected) -> None:
    workdays = WorkingCalendar(extra_days_off=map(D, off), extra_working_days=map(D, working))
    found = run("2027-01-01", "2027-07-01", workdays=workdays)
    assert plan_of(pick(found, task="III.2", unit="so-tc", due=D(due))) == triple(
        *map(D, expected))
    assert pick(found, task="III.2", kind=ESCALATION, due=D(due))[0].send_at == at(
        expected[2], "16:00")


def test_reported_unit_drops_out_of_that_occurrence_only() -> None:
    due = D("2027-02-05")
    reported = {(PLAN.id, "III.2", due, "so-tp"), (PLAN.id, "III.2", due, "ubnd-h-gia-binh"),
                (PLAN.id, "II.3.6", D("2027-02-15"), "to-cg-1")}
    found = run("2027-01-25", "2027-02-23", reported=reported)
    assert [(r.due, r.send_at) for r in pick(found, task="III.2", unit="so-tp")] == [
        (D("2027-02-22"), at("2027-02-17")), (D("2027-02-22"), at("2027-02-19")),
        (D("2027-02-22"), at("2027-02-22"))]
    (escalation,) = pick(found, task="III.2", kind=ESCALATION, due=due)
    assert set(escalation.units) == III2_UNITS - {"so-tp", "ubnd-h-gia-binh"}
    assert len(escalation.units) == 26
    assert len(pick(found, task="III.2", unit="so-tc", due=due)) == 3
    assert not pick(found, unit="to-cg-1", due=D("2027-02-15"))
    assert len(pick(found, unit="to-cg-2", due=D("2027-02-15"))) == 3
    (escalation,) = pick(found, kind=ESCALATION, due=D("2027-02-15"))
    assert set(escalation.units) == TEAMS - {"to-cg-1"}


def test_no_escalation_when_everyone_reported() -> None:
    due = D("2027-03-15")
    reported = {(PLAN.id, "II.3.6", due, u) for u in TEAMS}
    assert not pick(run("2027-03-01", "2027-03-16", reported=reported), due=due)


def test_per_unit_policy_changes_only_that_unit() -> None:
    special = ReminderPolicy(lead_days=(5, 2), send_time=time(7, 30), escalation_time=time(9))
    found = run("2027-01-20", "2027-02-05", policy_for=lambda u: special if u == "so-tp"
                else ReminderPolicy(), global_policy=ReminderPolicy(escalation_time=time(17)))
    due = D("2027-02-05")
    assert plan_of(pick(found, task="III.2", unit="so-tp", due=due)) == [
        (BEFORE, 5, at("2027-01-27", "07:30")), (BEFORE, 2, at("2027-02-01", "07:30")),
        (DUE_DAY, 0, at("2027-02-03", "07:30"))]
    assert plan_of(pick(found, task="III.2", unit="so-tc", due=due)) == triple(
        D("2027-01-29"), D("2027-02-02"), D("2027-02-03"))
    assert [r.send_at for r in pick(found, kind=ESCALATION)] == [
        at("2027-01-22", "17:00"), at("2027-01-29", "17:00"), at("2027-02-03", "17:00")]


def test_units_filter() -> None:
    found = run("2027-01-01", "2028-01-01", units={"so-tp", "to-cg-4"})
    assert len(found) == 72 + 72 + 24 + 24
    assert {u for r in found for u in r.units} == {"so-tp", "to-cg-4"}
    assert all(len(r.units) == 1 for r in pick(found, kind=ESCALATION))


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (at("2027-02-03"), at("2027-02-03", "16:00"), 28 + 5),  # start included, end not
        (at("2027-02-03") + timedelta(microseconds=1), at("2027-02-03", "16:00"), 0),
        (at("2027-02-03", "16:00"), at("2027-02-03", "16:00:01"), 1),
        (datetime.fromisoformat("2027-02-03T01:00+00:00"), at("2027-02-03", "08:00:01"), 33),
    ],
)
def test_half_open_window(start: datetime, end: datetime, count: int) -> None:
    assert len(schedule([PLAN], DIRECTORY, CAL, TZ, start, end)) == count


def test_send_times_are_aware_keys_unique_order_by_time() -> None:
    found = year_2027()
    assert all(r.send_at.tzinfo is TZ and r.send_at.utcoffset() == timedelta(hours=7)
               for r in found)
    assert len({r.key for r in found}) == len(found)
    assert [r.send_at for r in found] == sorted(r.send_at for r in found)


def test_ticking_through_2027_sends_each_reminder_once() -> None:
    # Like the engine: consecutive windows [last tick, now). 17-hour ticks land on every
    # hour of the day, 08:00 and 16:00 included, and cross the year end.
    tick, end, found = at("2027-01-01", "00:00"), at("2028-01-01", "00:00"), []
    while tick < end:
        found += schedule([PLAN], DIRECTORY, CAL, TZ, tick, min(tick + timedelta(hours=17), end))
        tick += timedelta(hours=17)
    assert [r.key for r in found] == [r.key for r in year_2027()]


def test_closed_plan_stops_reports_but_keeps_dated_deadlines() -> None:
    task = replace(PLAN.task("II.8.1"), due=(DateRange(D("2027-08-01"), D("2027-08-31")),))
    plan = replace(PLAN, ends=D("2027-06-30"),
                   tasks=tuple(task if t.code == "II.8.1" else t for t in PLAN.tasks))
    found = run("2027-01-01", "2028-01-01", plan=plan)
    assert max(r.due for r in pick(found, task="III.2")) == D("2027-06-22")
    assert max(r.due for r in pick(found, task="II.3.6")) == D("2027-06-30")  # on the end day
    assert not pick(found, due=D("2027-07-05"))  # its before-3 (30/06) would be in the plan
    assert len(pick(found, task="III.2", kind=ESCALATION)) == 12
    assert plan_of(pick(found, task="II.8.1", unit="so-tp")) == triple(  # 31/08/2027 Tue
        D("2027-08-26"), D("2027-08-30"), D("2027-08-31"))


def test_seed_start_2023() -> None:
    found = run("2023-07-01", "2023-08-01")
    assert {r.due for r in pick(found, task="III.2")} == {D("2023-07-22")}
    assert plan_of(pick(found, task="III.2", unit="so-tp")) == triple(  # Sat 22/07 -> Fri
        D("2023-07-18"), D("2023-07-20"), D("2023-07-21"))
    (escalation,) = pick(found, task="III.2", kind=ESCALATION)
    assert (escalation.send_at, len(escalation.units)) == (at("2023-07-21", "16:00"), 28)
    # 15/07 is before the plan; 30/07/2023 is a Sunday.
    assert {r.due for r in pick(found, task="II.3.6")} == {D("2023-07-30")}
    assert pick(found, task="II.3.6", kind=DUE_DAY)[0].send_at == at("2023-07-28")

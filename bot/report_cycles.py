"""Which cycles a report is about: the default one, those on a date an admin names,
the neighbours of one, the recent ones. Pure: plans, the directory and today in.

The default is the report that concerns the most units — among the periodic tasks of
the open plans, the one with the most obligated units (the 5th/22nd report to Sở
KH&ĐT in the seed plan) — at its latest cycle on or before today, else its first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from bot.cycles import HORIZON, Cycle, cycle_dates, cycles_in, is_periodic, latest_cycle
from bot.plans import Plan, Task
from bot.report import obligated_units
from bot.units import Directory

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?$")
_EARLIEST = date(2000, 1, 1)  # before any plan: where "every cycle so far" starts


class InvalidDay(ValueError):
    """Not a date ("abc"), or not a day of the calendar ("31/2")."""


def parse_day(text: str, today: date) -> date:
    """"22/8", "22/08/2023", "2023-08-22". Without a year, the year that puts the day
    nearest to ``today``: in August "22/8" is this August, in January "22/12" is last
    December."""
    cleaned = text.strip()
    try:
        if match := _ISO.match(cleaned):
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
        if match := _DMY.match(cleaned):
            day, month = int(match[1]), int(match[2])
            if match[3]:
                return date(int(match[3]), month, day)
            return _nearest(day, month, today)
    except ValueError:
        raise InvalidDay(f"{cleaned!r} is not a day of the calendar") from None
    raise InvalidDay(f"{cleaned!r} is not a date")


def compact_day(text: str) -> date | None:
    """"20230822" (what buttons carry) as a date; None for anything else."""
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _nearest(day: int, month: int, today: date) -> date:
    found = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            found.append(date(year, month, day))
        except ValueError:
            continue  # 29/2 outside a leap year
    if not found:
        raise ValueError(f"{day}/{month} is not a day of the calendar")
    return min(found, key=lambda d: abs(d - today))


def _tasks(plans: Iterable[Plan]) -> list[tuple[Plan, Task]]:
    return [(plan, task) for plan in plans for task in plan.tasks]


def cycles_on(plans: Iterable[Plan], directory: Directory, day: date) -> list[Cycle]:
    """Every task with a cycle on ``day`` that some unit owes, in plan order."""
    return [Cycle(day, plan.id, task.code) for plan, task in _tasks(plans)
            if day in cycle_dates(plan, task, day)
            and obligated_units(plan, task, directory, day)]


def first_cycle(plan: Plan, task: Task) -> Cycle | None:
    found = cycles_in(plan, task, _EARLIEST, plan.starts + HORIZON)
    return found[0] if found else None


def default_task(plans: Iterable[Plan], directory: Directory,
                 today: date) -> tuple[Plan, Task] | None:
    """The periodic report with the most obligated units; the first in plan order on a tie."""
    best: tuple[int, Plan, Task] | None = None
    for plan, task in _tasks(plans):
        if not is_periodic(task):
            continue
        # No cycle owes more than the task's lead units less its recipients: a task
        # that cannot beat the best so far is not worth working out its cycles (with
        # 5,000 units' own monthly reports, that was most of a /report's first second).
        if best is not None and _most_obligated(task, directory) <= best[0]:
            continue
        cycle = latest_cycle(plan, task, today) or first_cycle(plan, task)
        if cycle is None:
            continue
        size = len(obligated_units(plan, task, directory, cycle.due))
        if size and (best is None or size > best[0]):
            best = (size, plan, task)
    return (best[1], best[2]) if best else None


def _most_obligated(task: Task, directory: Directory) -> int:
    """An upper bound of ``obligated_units`` on any day (``bot.reminders.obligations``)."""
    def expanded(assignees: tuple[str, ...]) -> set[str]:
        return set().union(*(directory.expand(u) for u in assignees if u in directory))

    return len(expanded(task.lead) - expanded(task.recipients))


def default_cycle(plans: Iterable[Plan], directory: Directory, today: date) -> Cycle | None:
    found = default_task(plans, directory, today)
    if found is None:
        return None
    plan, task = found
    return latest_cycle(plan, task, today) or first_cycle(plan, task)


def recent_cycles(plan: Plan, task: Task, until: date, limit: int) -> list[Cycle]:
    """The task's last ``limit`` cycles due on or before ``until``, newest first."""
    if limit <= 0:
        return []
    return cycles_in(plan, task, _EARLIEST, until)[-limit:][::-1]


def previous_cycle(plan: Plan, task: Task, due: date) -> Cycle | None:
    before = cycles_in(plan, task, _EARLIEST, due - timedelta(days=1))
    return before[-1] if before else None


def next_cycle(plan: Plan, task: Task, due: date) -> Cycle | None:
    after = cycles_in(plan, task, due + timedelta(days=1), due + HORIZON)
    return after[0] if after else None

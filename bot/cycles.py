"""Report cycles: each occurrence of a recurring report ("the 22/08/2023 report") is a
cycle, and progress updates attach to one. Pure.

An update counts for the next occurrence on or after the day it is sent: a report
sent on 3 August counts for the 5 August cycle, one sent on 6 August for 22 August.
A dated task has one cycle: its own deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.calendar import DateRange, OnDate, has_fixed_days, occurrences
from bot.plans import Plan, Task

# Far enough to find the next occurrence of any recurrence, yearly ones included.
HORIZON = timedelta(days=400)


@dataclass(frozen=True, order=True)
class Cycle:
    due: date
    plan_id: str
    task_code: str

    @property
    def key(self) -> str:
        """Stable text form, e.g. for idempotency keys: "bn-2023-q3/III.2/2023-08-22"."""
        return f"{self.plan_id}/{self.task_code}/{self.due.isoformat()}"


def is_periodic(task: Task) -> bool:
    return any(has_fixed_days(spec) for spec in task.due)


def cycles_between(plan: Plan, task: Task, start: date, end: date) -> list[Cycle]:
    """The cycles of ``task`` due from ``start`` to ``end``, within the plan's life."""
    start = max(start, plan.starts)
    if plan.ends is not None:
        end = min(end, plan.ends)
    days = {d for spec in task.due if has_fixed_days(spec) for d in occurrences(spec, start, end)}
    return [Cycle(d, plan.id, task.code) for d in sorted(days)]


def _deadlines(task: Task) -> list[date]:
    return sorted(
        spec.date if isinstance(spec, OnDate) else spec.end
        for spec in task.due if isinstance(spec, OnDate | DateRange)
    )


def cycle_dates(plan: Plan, task: Task, around: date) -> set[date]:
    """The task's cycles on ``around`` (periodic ones in the plan's life) and its fixed
    deadlines: what an update may be attached to."""
    dates = {c.due for c in cycles_between(plan, task, around, around)}
    return dates | set(_deadlines(task))


def cycle_for(plan: Plan, task: Task, on: date) -> Cycle | None:
    """The cycle an update sent on ``on`` counts for, or None for open-ended work."""
    if is_periodic(task):
        upcoming = cycles_between(plan, task, on, on + HORIZON)
        return upcoming[0] if upcoming else None
    deadlines = _deadlines(task)
    if not deadlines:
        return None
    # The first deadline still ahead; past the last one, the last one (a late report).
    due = next((d for d in deadlines if d >= on), deadlines[-1])
    return Cycle(due, plan.id, task.code)


def cycles_in(plan: Plan, task: Task, start: date, end: date) -> list[Cycle]:
    """Every cycle of ``task`` due from ``start`` to ``end``: the periodic ones in the
    plan's life and the fixed deadlines (what a report can be asked for)."""
    days = {c.due for c in cycles_between(plan, task, start, end)}
    days |= {d for d in _deadlines(task) if start <= d <= end}
    return [Cycle(d, plan.id, task.code) for d in sorted(days)]


def latest_cycle(plan: Plan, task: Task, today: date) -> Cycle | None:
    """The most recent cycle due on or before ``today`` (what a cycle report shows first)."""
    past = cycles_between(plan, task, today - HORIZON, today)
    return past[-1] if past else None

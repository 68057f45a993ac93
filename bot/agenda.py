"""What a unit is due for in a month: the answer to /due. Pure.

A unit meets a task in one of three roles: it leads it (chủ trì), it coordinates
(phối hợp), or it receives what others send (collect: Sở KH&ĐT for the 5th/22nd
report). Within a month each task becomes items of four kinds: a deadline that
falls in the month, an occurrence of a recurring report, work in progress whose
span covers the month, or something overdue from before the month.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from bot.calendar import (
    Conditional,
    DateRange,
    DeadlineSpec,
    From,
    Month,
    OnDate,
    Ongoing,
    has_fixed_days,
    is_recurring,
    occurrences,
)
from bot.plans import Plan, Task
from bot.units import Directory


class Role(StrEnum):
    LEAD = "lead"
    COORDINATING = "coordinating"
    COLLECT = "collect"


class ItemKind(StrEnum):
    DEADLINE = "deadline"
    REPORT = "report"
    ONGOING = "ongoing"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class AgendaItem:
    plan_id: str
    task: Task
    role: Role
    kind: ItemKind
    due: date | None = None  # the day it is due (None for open-ended work)
    until: date | None = None  # for work in progress: when its span ends
    done: bool = False  # the unit has said it is done (or reported this cycle)

    @property
    def sort_key(self) -> tuple[date, int, str]:
        return (self.due or self.until or date.max, self.task.number, self.task.code)


@dataclass(frozen=True)
class Agenda:
    unit_id: str
    month: Month
    items: tuple[AgendaItem, ...]
    undated: tuple[tuple[str, Task], ...] = field(default=())  # tasks with no deadline at all

    def select(self, role: Role, *kinds: ItemKind) -> list[AgendaItem]:
        return [i for i in self.items if i.role is role and (not kinds or i.kind in kinds)]

    @property
    def overdue(self) -> list[AgendaItem]:
        return [i for i in self.items if i.kind is ItemKind.OVERDUE]

    @property
    def is_empty(self) -> bool:
        return not self.items


@dataclass(frozen=True)
class Assignment:
    plan: Plan
    task: Task
    role: Role


def assignments(plans: Iterable[Plan], directory: Directory, unit_id: str) -> list[Assignment]:
    """Every task of ``plans`` that concerns ``unit_id``, with the unit's role.

    A unit never submits to itself: Sở KH&ĐT belongs to "các sở, ban, ngành" that
    report to Sở KH&ĐT, but for that report it only collects.
    """
    found = []
    for plan in plans:
        for task in plan.tasks:
            if directory.designates(task.recipients, unit_id):
                found.append(Assignment(plan, task, Role.COLLECT))
            elif directory.designates(task.lead, unit_id):
                found.append(Assignment(plan, task, Role.LEAD))
            elif directory.designates(task.coordinating, unit_id):
                found.append(Assignment(plan, task, Role.COORDINATING))
    return found


class AssignmentIndex:
    """``assignments`` for every unit at once, from one pass over the plans: what a
    snapshot keeps so that a unit's /due looks at its own tasks, not at every task
    of every plan (50,000 of them for 5,000 units: ~40 ms a question). Same roles,
    same order (plan order, then task order) as ``assignments``."""

    def __init__(self, plans: Iterable[Plan], directory: Directory) -> None:
        self._by_unit: dict[str, list[Assignment]] = {}

        none: frozenset[str] = frozenset()

        def covered(assignees: tuple[str, ...]) -> frozenset[str]:
            if len(assignees) == 1:  # most tasks: one unit, its expansion cached
                return directory.expand(assignees[0]) if assignees[0] in directory else none
            return none.union(*(directory.expand(a) for a in assignees if a in directory))

        for plan in plans:
            for task in plan.tasks:
                collect = covered(task.recipients)
                lead = covered(task.lead)
                coordinating = covered(task.coordinating)
                if collect:
                    lead, coordinating = lead - collect, coordinating - collect
                if coordinating and lead:
                    coordinating = coordinating - lead
                for role, units in ((Role.COLLECT, collect), (Role.LEAD, lead),
                                    (Role.COORDINATING, coordinating)):
                    if units:
                        assignment = Assignment(plan, task, role)
                        for unit_id in units:
                            self._by_unit.setdefault(unit_id, []).append(assignment)

    def of(self, unit_id: str) -> list[Assignment]:
        """The unit's assignments; ``unit_id`` is today's unit (``Directory.successor``)."""
        return list(self._by_unit.get(unit_id, ()))


def _plan_overlaps(plan: Plan, month: Month) -> bool:
    return plan.starts <= month.last and (plan.ends is None or plan.ends >= month.first)


def _single_deadline(spec: DeadlineSpec) -> date | None:
    if isinstance(spec, OnDate):
        return spec.date
    if isinstance(spec, DateRange):
        return spec.end
    return None


def _is_open_ended(spec: DeadlineSpec, plan: Plan, month: Month) -> bool:
    """Ongoing work during ``month``: "thường xuyên", "từ 01/7/2025", or a recurrence
    that names no day ("hàng tháng") — shown as work in progress, never given a date."""
    if not _plan_overlaps(plan, month):
        return False
    if isinstance(spec, Ongoing):
        return True
    if isinstance(spec, From):
        return spec.start <= month.last
    return is_recurring(spec) and not has_fixed_days(spec)


def _items_for(
    a: Assignment,
    month: Month,
    overdue_before: date,
    done: Collection[tuple[str, str]],
    reported: Collection[tuple[str, str, date]],
) -> list[AgendaItem]:
    plan, task, role = a.plan, a.task, a.role
    is_done = (plan.id, task.code) in done
    items: list[AgendaItem] = []
    open_ended = False
    for spec in task.due:
        deadline = _single_deadline(spec)
        if deadline is not None:
            if month.contains(deadline):
                items.append(AgendaItem(plan.id, task, role, ItemKind.DEADLINE, due=deadline,
                                        done=is_done))
            elif isinstance(spec, DateRange) and spec.start <= month.last < spec.end:
                if role is not Role.COLLECT:
                    items.append(AgendaItem(plan.id, task, role, ItemKind.ONGOING,
                                            until=spec.end, done=is_done))
            elif deadline < overdue_before and role is Role.LEAD and not is_done:
                items.append(AgendaItem(plan.id, task, role, ItemKind.OVERDUE, due=deadline))
        elif has_fixed_days(spec):
            start = max(month.first, plan.starts)
            end = min(month.last, plan.ends or month.last)
            for day in occurrences(spec, start, end):
                items.append(AgendaItem(plan.id, task, role, ItemKind.REPORT, due=day,
                                        done=(plan.id, task.code, day) in reported))
        elif role is not Role.COLLECT and _is_open_ended(spec, plan, month):
            open_ended = True
    if open_ended:  # once per task even when it says "hàng tuần, hàng tháng"
        items.append(AgendaItem(plan.id, task, role, ItemKind.ONGOING, done=is_done))
    return items


def _is_undated(task: Task) -> bool:
    return all(isinstance(spec, Conditional) for spec in task.due)


def month_agenda(
    plans: Iterable[Plan],
    directory: Directory,
    unit_id: str,
    month: Month,
    today: date,
    *,
    done: Collection[tuple[str, str]] = frozenset(),
    reported: Collection[tuple[str, str, date]] = frozenset(),
    assigned: Iterable[Assignment] | None = None,
) -> Agenda:
    """The unit's obligations in ``month``, sorted by date.

    ``done`` holds (plan id, task code) pairs the unit has marked done; ``reported``
    holds (plan id, task code, cycle date) for report occurrences already sent.
    ``assigned``: the unit's ``assignments`` when the caller has them (an
    ``AssignmentIndex``); computed from ``plans`` otherwise.
    Overdue means due before the month (and before today, for a future month) and
    not done.
    """
    unit_id = directory.successor(unit_id)
    overdue_before = min(month.first, today)
    items: list[AgendaItem] = []
    undated: list[tuple[str, Task]] = []
    if assigned is None:
        assigned = assignments(plans, directory, unit_id)
    for a in assigned:
        if _is_undated(a.task):
            if a.role is not Role.COLLECT and _plan_overlaps(a.plan, month):
                undated.append((a.plan.id, a.task))
            continue
        items.extend(_items_for(a, month, overdue_before, done, reported))
    items.sort(key=lambda i: i.sort_key)
    return Agenda(unit_id, month, tuple(items), tuple(undated))


def overdue_items(
    plans: Iterable[Plan],
    directory: Directory,
    unit_id: str,
    today: date,
    *,
    done: Collection[tuple[str, str]] = frozenset(),
    assigned: Iterable[Assignment] | None = None,
) -> list[AgendaItem]:
    """Everything the unit leads that was due before ``today`` and is not done
    (``assigned`` as for ``month_agenda``)."""
    unit_id = directory.successor(unit_id)
    found = []
    if assigned is None:
        assigned = assignments(plans, directory, unit_id)
    for a in assigned:
        if a.role is not Role.LEAD or (a.plan.id, a.task.code) in done:
            continue
        for spec in a.task.due:
            deadline = _single_deadline(spec)
            if deadline is not None and deadline < today:
                found.append(AgendaItem(a.plan.id, a.task, a.role, ItemKind.OVERDUE,
                                        due=deadline))
    found.sort(key=lambda i: i.sort_key)
    return found

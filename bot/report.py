"""Who has reported for a cycle: the report an admin collects before each deadline. Pure.

A cycle is one due date of one task (``bot.cycles``). The units that owe it are the
ones the reminders chase (``bot.reminders.obligations``: the task's lead units,
collectives expanded, minus the units that receive the report). Each is on time (an
update for the cycle sent on or before the due date, in the province's time zone),
late (only after it), or missing. Updates a merged unit sent under its old id count
for the unit that absorbed it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from enum import StrEnum
from functools import lru_cache

from bot.cycles import Cycle
from bot.plans import Plan, Task
from bot.progress_text import UpdateStatus
from bot.reminders import obligations
from bot.text import fold
from bot.units import Directory


class ReportStatus(StrEnum):
    MISSING = "missing"
    LATE = "late"
    ON_TIME = "on_time"


# The order a report lists units in: who must still be chased comes first.
_ORDER = {ReportStatus.MISSING: 0, ReportStatus.LATE: 1, ReportStatus.ON_TIME: 2}


@dataclass(frozen=True)
class CycleUpdate:
    """One progress update for a cycle, as a report needs it."""

    unit_id: str  # as stored (possibly a unit merged since); today's in a CycleReport
    member: str | None  # the sender's name; None for a former member
    created_at: datetime  # tz-aware
    status: UpdateStatus
    percent: int | None
    text: str


@dataclass(frozen=True)
class UnitReport:
    unit_id: str  # today's unit
    name: str
    status: ReportStatus
    latest: CycleUpdate | None


@dataclass(frozen=True)
class CycleReport:
    plan: Plan
    task: Task
    due: date
    units: tuple[UnitReport, ...]  # missing first, then late, then on time; by name within
    updates: tuple[CycleUpdate, ...]  # every update of the cycle, oldest first
    # Today's name of every unit in ``units`` or ``updates``.
    names: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    # ``units`` by unit id: a chart asks for each of 5,000 units in six reports.
    _by_unit: dict[str, UnitReport] = field(init=False, repr=False, compare=False,
                                            hash=False)

    def __post_init__(self) -> None:
        by_unit: dict[str, UnitReport] = {}
        for line in self.units:
            by_unit.setdefault(line.unit_id, line)
        object.__setattr__(self, "_by_unit", by_unit)

    @property
    def cycle(self) -> Cycle:
        return Cycle(self.due, self.plan.id, self.task.code)

    def count(self, status: ReportStatus) -> int:
        return sum(1 for unit in self.units if unit.status is status)

    @property
    def obligated(self) -> int:
        return len(self.units)

    @property
    def reported(self) -> int:
        return self.obligated - self.count(ReportStatus.MISSING)

    @property
    def rate(self) -> float:
        """The share of units that have reported, 0..1 (1 when nobody owes anything)."""
        return self.reported / self.obligated if self.units else 1.0

    def with_status(self, status: ReportStatus) -> list[UnitReport]:
        return [unit for unit in self.units if unit.status is status]

    def unit(self, unit_id: str) -> UnitReport | None:
        return self._by_unit.get(unit_id)

    def name_of(self, unit_id: str) -> str:
        return self.names.get(unit_id, unit_id)


def obligated_units(plan: Plan, task: Task, directory: Directory, due: date) -> frozenset[str]:
    """The units that owe ``task`` on ``due`` (none when ``due`` is not one of its cycles)."""
    only = replace(plan, tasks=(task,))
    return frozenset(o.unit_id for o in obligations([only], directory, due, due))


@lru_cache(maxsize=65_536)
def name_key(name: str) -> tuple[str, str]:
    """Sort Vietnamese names as a reader expects: "Sở Tư pháp" beside "So Tu phap"."""
    return (fold(name), name)


def _today_id(unit_id: str, directory: Directory) -> str:
    return directory.successor(unit_id) if unit_id in directory else unit_id


def build_report(plan: Plan, task: Task, due: date, directory: Directory,
                 updates: Iterable[CycleUpdate], tz: tzinfo) -> CycleReport:
    """``updates``: those stored for this cycle, in the order they were stored."""
    ordered = [u if (today := _today_id(u.unit_id, directory)) == u.unit_id
               else replace(u, unit_id=today)
               for u in sorted(updates, key=lambda u: u.created_at)]  # stable on ties
    by_unit: dict[str, list[CycleUpdate]] = {}
    for update in ordered:
        by_unit.setdefault(update.unit_id, []).append(update)
    lines = []
    for unit_id in obligated_units(plan, task, directory, due):
        sent = by_unit.get(unit_id, [])
        if not sent:
            status = ReportStatus.MISSING
        elif any(u.created_at.astimezone(tz).date() <= due for u in sent):
            status = ReportStatus.ON_TIME
        else:
            status = ReportStatus.LATE
        name = directory.get(unit_id).name
        lines.append(UnitReport(unit_id, name, status, sent[-1] if sent else None))
    lines.sort(key=lambda u: (_ORDER[u.status], *name_key(u.name)))
    names = {u: directory.get(u).name for u in by_unit if u in directory}
    names.update((line.unit_id, line.name) for line in lines)
    return CycleReport(plan, task, due, tuple(lines), tuple(ordered), names)


# --- across cycles: a unit's history, the chart's grid ---------------------------------


class Cell(StrEnum):
    """One unit in one cycle, as the chart colours it."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    NOT_DUE = "not_due"  # not obligated for that cycle, or not due yet with nothing sent


@dataclass(frozen=True)
class Grid:
    """Units (rows) × cycles (columns, oldest first)."""

    task: Task
    cycles: tuple[date, ...]
    units: tuple[str, ...]  # names, in row order
    cells: tuple[tuple[Cell, ...], ...]  # cells[row][column]


def cell(report: CycleReport, unit_id: str, today: date) -> Cell:
    line = report.unit(unit_id)
    if line is None:
        return Cell.NOT_DUE
    if line.status is ReportStatus.MISSING and report.due > today:
        return Cell.NOT_DUE
    return Cell(line.status.value)


def grid(reports: Sequence[CycleReport], today: date) -> Grid:
    """The reports of one task's cycles, side by side; rows are every unit that owed
    any of them, by name."""
    reports = sorted(reports, key=lambda r: r.due)
    names: dict[str, str] = {u.unit_id: u.name for r in reports for u in r.units}
    rows = sorted(names, key=lambda unit_id: name_key(names[unit_id]))
    task = reports[0].task if reports else Task("", "", "", "")
    return Grid(task, tuple(r.due for r in reports), tuple(names[u] for u in rows),
                tuple(tuple(cell(r, u, today) for r in reports) for u in rows))

"""Which reminders are due when. Pure: plans, units, the working-day calendar and a
time window in; a schedule out. No clock, no database, no messenger.

For every dated obligation of every unit that must meet it — each occurrence of a
recurring report (the 5th/22nd report to Sở KH&ĐT, the 15th/30th report of the expert
teams) and each dated task deadline — the unit is reminded some working days before
(3 and 1 by default) and on the day itself; a reminder that would fall on a weekend
or a public holiday moves to the previous working day. On the due day the admins get
the list of units still missing (escalation). A unit that has already reported for
the occurrence gets no further reminder for it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from bot.calendar import DateRange, OnDate, has_fixed_days, occurrences
from bot.plans import Plan, Task
from bot.units import Directory
from bot.workdays import WorkingCalendar


class ReminderKind(StrEnum):
    BEFORE = "before"
    DUE_DAY = "due_day"
    ESCALATION = "escalation"


@dataclass(frozen=True)
class ReminderPolicy:
    lead_days: tuple[int, ...] = (3, 1)  # working days before the due date
    send_time: time = time(8, 0)
    escalation_time: time = time(16, 0)

    def __post_init__(self) -> None:
        if any(n < 1 for n in self.lead_days):
            raise ValueError(f"lead times are working days before, at least 1: {self.lead_days}")


@dataclass(frozen=True)
class Occurrence:
    """One unit's obligation on one date: "Sở Tư pháp, report III.2, due 05/08/2023"."""

    plan: Plan
    task: Task
    unit_id: str
    due: date


@dataclass(frozen=True)
class Reminder:
    send_at: datetime  # tz-aware, in the province's time zone
    kind: ReminderKind
    lead: int  # working days before the due date; 0 on the day and for escalations
    due: date
    plan: Plan
    task: Task
    units: tuple[str, ...]  # one unit; for an escalation, every unit still missing

    @property
    def key(self) -> str:
        """Stable identity of the reminder, before its recipient is added."""
        unit = self.units[0] if self.kind is not ReminderKind.ESCALATION else "*"
        return (f"rem:{self.plan.id}/{self.task.code}/{self.due.isoformat()}/"
                f"{self.kind}/{self.lead}/{unit}")

    @property
    def occurrence_key(self) -> str:
        return f"rem:{self.plan.id}/{self.task.code}/{self.due.isoformat()}"


# Reported: (plan id, task code, due date, unit id) — the unit sent an update for it.
Reported = Collection[tuple[str, str, date, str]]
PolicyFor = Callable[[str], ReminderPolicy]


def _due_dates(plan: Plan, task: Task, start: date, end: date) -> list[date]:
    """The dated occurrences of a task in [start, end]: report cycles while the plan
    is open, and fixed deadlines (a date, or the end of a month, quarter or range)."""
    found: set[date] = set()
    for spec in task.due:
        if isinstance(spec, OnDate | DateRange):
            day = spec.date if isinstance(spec, OnDate) else spec.end
            if start <= day <= end:
                found.add(day)
        elif has_fixed_days(spec):
            first = max(start, plan.starts)
            last = min(end, plan.ends) if plan.ends else end
            found.update(occurrences(spec, first, last))
    return sorted(found)


def obligations(plans: Iterable[Plan], directory: Directory, start: date,
                end: date) -> list[Occurrence]:
    """Every unit's dated obligations due in [start, end]. Only lead units are
    obligated; a recipient never reports to itself."""
    found: list[Occurrence] = []
    for plan in plans:
        for task in plan.tasks:
            dates = _due_dates(plan, task, start, end)
            if not dates:
                continue
            leads = set().union(*(directory.expand(u) for u in task.lead if u in directory))
            receivers = set().union(*(directory.expand(u) for u in task.recipients
                                      if u in directory))
            for unit_id in sorted(leads - receivers):
                found.extend(Occurrence(plan, task, unit_id, day) for day in dates)
    return found


def _at(day: date, moment: time, tz: tzinfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=tz)


def unit_reminders(occurrence: Occurrence, workdays: WorkingCalendar, policy: ReminderPolicy,
                   tz: tzinfo) -> list[Reminder]:
    """The "before" reminders and the due-day reminder of one unit's occurrence."""
    due = occurrence.due
    day_of = workdays.on_or_before(due)
    made = []
    seen_days = {day_of}
    for lead in sorted(set(policy.lead_days), reverse=True):
        day = workdays.working_days_before(due, lead)
        if day in seen_days:
            continue  # two lead times landing on one day: one reminder is enough
        seen_days.add(day)
        made.append(Reminder(_at(day, policy.send_time, tz), ReminderKind.BEFORE, lead, due,
                             occurrence.plan, occurrence.task, (occurrence.unit_id,)))
    made.append(Reminder(_at(day_of, policy.send_time, tz), ReminderKind.DUE_DAY, 0, due,
                         occurrence.plan, occurrence.task, (occurrence.unit_id,)))
    return made


def _horizon(policies: Iterable[ReminderPolicy]) -> timedelta:
    """How far past a window's end a due date can be and still have a reminder in
    the window: the longest lead time in calendar days, with room for Tết."""
    longest = max((max(p.lead_days, default=0) for p in policies), default=0)
    return timedelta(days=2 * longest + 16)


def schedule(plans: Iterable[Plan], directory: Directory, workdays: WorkingCalendar,
             tz: tzinfo, start: datetime, end: datetime, *,
             policy_for: PolicyFor = lambda unit_id: ReminderPolicy(),
             global_policy: ReminderPolicy = ReminderPolicy(),
             reported: Reported = frozenset(),
             units: Collection[str] | None = None) -> list[Reminder]:
    """Every reminder whose send time is in [start, end), ordered by send time.

    ``reported`` removes a unit's reminders for an occurrence it has reported on, and
    takes it off that occurrence's escalation list; ``units`` limits the schedule to
    those units (escalations then list only them).
    """
    plans = list(plans)
    first_due = start.astimezone(tz).date()
    last_due = end.astimezone(tz).date() + _horizon(
        [global_policy, *(policy_for(u.id) for u in directory.concrete_units())])
    found: list[Reminder] = []
    missing: dict[tuple[str, str, date], list[Occurrence]] = {}
    for occurrence in obligations(plans, directory, first_due, last_due):
        if units is not None and occurrence.unit_id not in units:
            continue
        plan, task = occurrence.plan, occurrence.task
        if (plan.id, task.code, occurrence.due, occurrence.unit_id) in reported:
            continue
        missing.setdefault((plan.id, task.code, occurrence.due), []).append(occurrence)
        policy = policy_for(occurrence.unit_id)
        found.extend(r for r in unit_reminders(occurrence, workdays, policy, tz)
                     if start <= r.send_at < end)
    for (_, _, due), concerned in missing.items():
        send_at = _at(workdays.on_or_before(due), global_policy.escalation_time, tz)
        if start <= send_at < end:
            first = concerned[0]
            found.append(Reminder(send_at, ReminderKind.ESCALATION, 0, due, first.plan,
                                  first.task, tuple(sorted(o.unit_id for o in concerned))))
    found.sort(key=lambda r: (r.send_at, r.kind != ReminderKind.ESCALATION, r.key))
    return found

"""Cycle reports: who has reported for a cycle, a unit's history across cycles, the
files an admin takes away, and reminding the units still missing.

Each report reads its updates with one query, however many units it covers; the
domain (``bot.report``) decides who is on time, late or missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.audience import CycleRef
from bot.cycles import Cycle, cycle_dates, cycle_for, is_periodic, latest_cycle
from bot.exports.chart import report_chart
from bot.exports.csv import report_csv
from bot.i18n import translator
from bot.messages import Attachment, Reply, reply_to_payload
from bot.plans import Plan, Task
from bot.progress_text import UpdateStatus
from bot.report import CycleReport, CycleUpdate, Grid, ReportStatus, UnitReport, build_report
from bot.report import grid as build_grid
from bot.report_cycles import (
    cycles_on,
    default_task,
    first_cycle,
    next_cycle,
    previous_cycle,
)
from bot.report_cycles import recent_cycles as task_recent_cycles
from bot.services import Services, Snapshot
from bot.usecases.audit import AuditLog
from storage import chats as chat_store
from storage import members as member_store
from storage import outbox as outbox_store
from storage import progress as progress_store
from storage.models import OutboxKind

if TYPE_CHECKING:  # the exporters are imported when a file is asked for (see export)
    from bot.exports.docx import Issuer

CHART_CYCLES = 6  # columns of the chart: three months of the 5th/22nd report
HISTORY_CYCLES = 12
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# (unit id, language) → the reminder a missing unit's members and groups get.
NudgeRenderer = Callable[[str, str], Reply]


class UnknownCycle(LookupError):
    """The plan or task is not in the open plans, or the task has no cycle that day."""


@dataclass(frozen=True)
class HistoryRow:
    report: CycleReport
    line: UnitReport
    not_due: bool  # due after today and nothing sent yet


@dataclass(frozen=True)
class UnitHistory:
    unit_id: str
    name: str
    rows: tuple[HistoryRow, ...]  # newest first


@dataclass(frozen=True)
class NudgeResult:
    missing: tuple[str, ...]  # the units still missing, reminded
    queued: int  # messages queued now (0 when already reminded today)
    unreachable: tuple[str, ...]  # missing units with no member or group to remind


def _update(row: progress_store.CycleRow, member: str | None) -> CycleUpdate:
    return CycleUpdate(row.unit_id, member if row.member_id is not None else None,
                       row.created_at, UpdateStatus(row.status), row.percent, row.text)


def _filename(reports: Sequence[CycleReport], extension: str) -> str:
    """ASCII, so that every platform and mail gateway keeps it: bao-cao-III.2-2023-08-22."""
    if len(reports) == 1:
        return f"bao-cao-{reports[0].task.code}-{reports[0].due.isoformat()}.{extension}"
    day = reports[0].due.isoformat() if reports else "trong"
    return f"bao-cao-{day}.{extension}"


class Reports:
    def __init__(self, services: Services, audit: AuditLog) -> None:
        self.services = services
        self.audit = audit
        self._default: tuple[Snapshot, date, tuple[Plan, Task] | None] | None = None

    # --- which cycles -------------------------------------------------------------------

    def resolve(self, cycle: Cycle) -> tuple[Plan, Task, int]:
        """The cycle's plan, task and task id; UnknownCycle for a stale or forged one."""
        snapshot = self.services.snapshot
        task_id = snapshot.task_ids.get((cycle.plan_id, cycle.task_code))
        if task_id is None:
            raise UnknownCycle(cycle.key)
        plan, task = snapshot.tasks_by_id[task_id]
        if cycle.due not in cycle_dates(plan, task, cycle.due):
            raise UnknownCycle(cycle.key)
        return plan, task, task_id

    def cycle_of(self, task_id: int, due: date) -> Cycle | None:
        """A cycle by task id (what buttons carry), if that task has a cycle on ``due``."""
        found = self.services.snapshot.tasks_by_id.get(task_id)
        if found is None:
            return None
        cycle = Cycle(due, found[0].id, found[1].code)
        try:
            self.resolve(cycle)
        except UnknownCycle:
            return None
        return cycle

    def task_id(self, cycle: Cycle) -> int:
        return self.resolve(cycle)[2]

    def _default_task(self, today: date) -> tuple[Plan, Task] | None:
        """``default_task``, remembered for the snapshot and day: it looks at every
        task of the open plans (50,000 for 5,000 units), and each /report asks."""
        snapshot = self.services.snapshot
        kept = self._default
        if kept is None or kept[0] is not snapshot or kept[1] != today:
            kept = (snapshot, today, default_task(snapshot.plans, snapshot.directory, today))
            self._default = kept
        return kept[2]

    def default_cycle(self, today: date) -> Cycle | None:
        """``bot.report_cycles.default_cycle``, on the remembered default task."""
        found = self._default_task(today)
        if found is None:
            return None
        return latest_cycle(found[0], found[1], today) or first_cycle(found[0], found[1])

    def cycles_on(self, day: date) -> list[Cycle]:
        snapshot = self.services.snapshot
        return cycles_on(snapshot.plans, snapshot.directory, day)

    def recent_cycles(self, today: date, limit: int) -> list[Cycle]:
        """The default report task's last ``limit`` cycles due on or before ``today``,
        newest first (empty before its first cycle)."""
        found = self._default_task(today)
        return task_recent_cycles(found[0], found[1], today, limit) if found else []

    def neighbours(self, cycle: Cycle) -> tuple[Cycle | None, Cycle | None]:
        plan, task, _ = self.resolve(cycle)
        return previous_cycle(plan, task, cycle.due), next_cycle(plan, task, cycle.due)

    # --- reports ------------------------------------------------------------------------

    async def reports(self, cycles: Sequence[Cycle], *,
                      unit_ids: set[str] | None = None) -> list[CycleReport]:
        """The reports of ``cycles``, in that order, from one query."""
        resolved = [self.resolve(c) for c in cycles]
        async with self.services.sessions() as session:
            rows = await progress_store.updates_for_cycles(
                session, [(task_id, c.due) for c, (_, _, task_id) in zip(
                    cycles, resolved, strict=True)], unit_ids=unit_ids)
        by_cycle: dict[tuple[int, date], list[CycleUpdate]] = {}
        for row, member in rows:
            if row.cycle is not None:
                by_cycle.setdefault((row.task_id, row.cycle), []).append(_update(row, member))
        tz, directory = self.services.settings.timezone, self.services.directory
        return [build_report(plan, task, c.due, directory, by_cycle.get((task_id, c.due), []),
                             tz)
                for c, (plan, task, task_id) in zip(cycles, resolved, strict=True)]

    async def report(self, cycle: Cycle) -> CycleReport:
        return (await self.reports([cycle]))[0]

    async def missing_units(self, plan_id: str, task_code: str, due: date) -> list[str]:
        """Today's ids of the units that owe this cycle and have sent nothing for it,
        in the report's order (by name). UnknownCycle for a cycle the open plans lack."""
        report = await self.report(Cycle(due, plan_id, task_code))
        return [u.unit_id for u in report.with_status(ReportStatus.MISSING)]

    async def missing_for(self, cycle: CycleRef) -> list[str]:
        """``missing_units`` for a broadcast's audience; none once the cycle has left
        the open plans (the plan was closed after the broadcast was composed)."""
        try:
            return await self.missing_units(cycle.plan_id, cycle.task_code, cycle.due)
        except UnknownCycle:
            return []

    async def grid(self, cycle: Cycle, today: date, limit: int = CHART_CYCLES) -> Grid:
        """The chart's grid: the task's last ``limit`` cycles up to ``cycle``."""
        plan, task, _ = self.resolve(cycle)
        cycles = task_recent_cycles(plan, task, cycle.due, limit)[::-1]
        return build_grid(await self._status_reports(cycles), today)

    async def _status_reports(self, cycles: Sequence[Cycle]) -> list[CycleReport]:
        """Reports right in their statuses only — what the grid reads: each unit's
        earliest update of a cycle decides on time, late or missing, so that is all
        that is read (six cycles of 5,000 units: 30,000 rows, not 60,000 updates with
        their texts and senders). Their ``latest`` and ``updates`` are stand-ins."""
        resolved = [self.resolve(c) for c in cycles]
        async with self.services.sessions() as session:
            rows = await progress_store.first_update_times(
                session, [(task_id, c.due) for c, (_, _, task_id) in zip(
                    cycles, resolved, strict=True)])
        by_cycle: dict[tuple[int, date], list[CycleUpdate]] = {}
        for task_id, due, unit_id, at in rows:
            by_cycle.setdefault((task_id, due), []).append(
                CycleUpdate(unit_id, None, at, UpdateStatus.IN_PROGRESS, None, ""))
        tz, directory = self.services.settings.timezone, self.services.directory
        return [build_report(plan, task, c.due, directory, by_cycle.get((task_id, c.due), []),
                             tz)
                for c, (plan, task, task_id) in zip(cycles, resolved, strict=True)]

    async def unit_history(self, unit_id: str, today: date,
                           limit: int = HISTORY_CYCLES) -> UnitHistory:
        """The unit's status in the last ``limit`` cycles of every periodic report it
        owes, the one open now included; newest first."""
        directory = self.services.directory
        unit_id = directory.successor(unit_id)
        cycles: list[Cycle] = []
        for plan in self.services.snapshot.plans:
            for task in plan.tasks:
                if is_periodic(task):
                    open_now = cycle_for(plan, task, today)
                    until = open_now.due if open_now else today
                    cycles += task_recent_cycles(plan, task, until, limit)
        ids = {unit_id, *directory.predecessors(unit_id)}
        reports = await self.reports(cycles, unit_ids=ids)
        rows = [HistoryRow(r, line, r.due > today and line.status is ReportStatus.MISSING)
                for r in reports if (line := r.unit(unit_id)) is not None]
        rows.sort(key=lambda row: (row.report.due, row.report.task.number), reverse=True)
        return UnitHistory(unit_id, directory.get(unit_id).name, tuple(rows[:limit]))

    # --- files --------------------------------------------------------------------------

    async def export(self, kind: str, reports: Sequence[CycleReport],
                     language: str) -> Attachment:
        """``kind``: "xlsx", "csv" or "docx". Built in a worker thread: a big workbook
        must not hold up everyone else's messages. The xlsx and docx writers are
        imported here, when an admin asks: openpyxl (and numpy with it) added a tenth
        to the bot's start-up, which is how long a restart after a crash takes."""
        from bot.exports.docx import report_docx
        from bot.exports.xlsx import report_xlsx

        t, tz = translator(language), self.services.settings.timezone
        if kind == "xlsx":
            content = await asyncio.to_thread(report_xlsx, reports, t, tz)
            return Attachment(_filename(reports, "xlsx"), content, XLSX)
        if kind == "csv":
            content = await asyncio.to_thread(report_csv, reports, t, tz)
            return Attachment(_filename(reports, "csv"), content, "text/csv")
        if kind == "docx":
            content = await asyncio.to_thread(report_docx, reports, self._issuer(reports), t)
            return Attachment(_filename(reports, "docx"), content, DOCX)
        raise ValueError(f"unknown export {kind!r}")

    def _issuer(self, reports: Sequence[CycleReport]) -> Issuer:
        """The office that compiles the report (its recipient: Sở KH&ĐT for III.2)."""
        from bot.exports.docx import Issuer

        directory = self.services.directory
        recipients = [u for r in reports for u in r.task.recipients if u in directory]
        office = directory.get(directory.successor(recipients[0])).name if recipients else None
        province = next((r.plan.province for r in reports if r.plan.province), None)
        return Issuer(province, office)

    async def chart(self, grid: Grid, language: str) -> Attachment:
        content = await asyncio.to_thread(report_chart, grid, translator(language))
        return Attachment(f"bao-cao-{grid.task.code}.png", content, "image/png")

    # --- reminding the missing units now ------------------------------------------------

    async def remind_missing(self, cycle: Cycle, render: NudgeRenderer, *, actor: str,
                             now: datetime) -> NudgeResult:
        """One message per reachable member and bound group of each missing unit. The
        key holds the recipient and the day: a second press the same day queues nothing."""
        report = await self.report(cycle)
        missing = [u.unit_id for u in report.with_status(ReportStatus.MISSING)]
        today = now.astimezone(self.services.settings.timezone).date()
        default_language = self.services.settings.default_language
        rendered: dict[tuple[str, str], dict[str, Any]] = {}

        def payload(unit_id: str, language: str | None) -> dict[str, Any]:
            key = (unit_id, language or default_language)
            if key not in rendered:
                rendered[key] = reply_to_payload(render(*key))
            return rendered[key]

        group_key = f"nudge:{cycle.key}"
        drafts: list[outbox_store.OutboxDraft] = []
        async with self.services.sessions.begin() as session:
            members = await member_store.reachable_members(session, missing, on=today)
            groups = await chat_store.bound_chats_for_units(session, missing)
            for unit_id in missing:
                drafts += [outbox_store.OutboxDraft(
                    f"{group_key}/{today.isoformat()}/m{m.id}", m.channel, m.chat_id or "",
                    payload(unit_id, m.language), now, OutboxKind.REMINDER.value, group_key,
                    m.id) for m in members[unit_id]]
                drafts += [outbox_store.OutboxDraft(
                    f"{group_key}/{today.isoformat()}/c{g.channel}:{g.channel_chat_id}",
                    g.channel, g.channel_chat_id, payload(unit_id, None), now,
                    OutboxKind.REMINDER.value, group_key) for g in groups[unit_id]]
            queued = await outbox_store.enqueue_many(session, drafts, at=now)
            await self.audit.record(actor=actor, action="report.remind", target=cycle.key,
                                    detail={"missing": len(missing), "queued": queued},
                                    at=now, session=session)
        if queued:
            self.services.wake_outbox()
        unreachable = tuple(u for u in missing if not members[u] and not groups[u])
        return NudgeResult(tuple(missing), queued, unreachable)

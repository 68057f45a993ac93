"""Plans imported from their document, around the parser (``bot.plan_import``): store
a parsed plan as a new, inactive plan, show it, map the unit names the directory does
not know, activate and deactivate — from the chat and from the shell alike.

An import is stored at once, inactive: the preview, its buttons and the shell all
refer to the stored plan by id, and nothing reaches ``/due`` or the reminders until
an admin activates it. The parsed plan (``ParsedPlan.to_json``) is kept beside it, so
the admin can download it, correct it and send it back (it replaces the plan while
it is inactive), and so that a unit mapped later re-resolves its tasks. Cancelling
an import that was never active deletes it.

Activating or deactivating reloads the snapshot here and bumps the directory version,
so every other process (the bot, when the shell activated) reloads at its next tick.

Converting a parsed plan (``to_plan``):
  * id: ``plan-<year>-<n>``, the first free n; year: the plan's, else the year it was
    issued, else today's;
  * ``starts``: the day it was issued, else the earliest date its deadlines name,
    else today (recurring reports run from there);
  * a task's code is its id as written (made unique within the plan: a repeated
    "1." becomes "1 (2)"), its title the first clause of its text (≤ 90
    characters), its lead and coordinating units the resolved ids; every unit name
    as written is kept in ``assignees_text``, so a name left unresolved is not lost.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

from bot.calendar import DateRange, DeadlineSpec, From, Month, OnDate, is_recurring
from bot.plan_import import DocumentError, parse_bytes, resolve_units
from bot.plan_import.model import ParsedPlan, ParsedTask, UnitRef, plan_from_json
from bot.plans import Plan, Task
from bot.services import Services
from bot.unit_edits import EditError, UnitEditError, clean_name, owner_of_name
from bot.units import Unit
from bot.usecases.audit import AuditLog, Outcome
from bot.usecases.unit_admin import UnitAdmin
from storage import plans as plan_store
from storage import units as unit_store
from storage.errors import Conflict

MAX_TITLE = 90
SUGGESTIONS = 3


class PlanImportError(ValueError):
    """Why a plan action cannot be done; ``code`` for the views' wording."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code  # "unknown_plan" | "not_imported" | "active" | "reported" | …
        self.detail = detail


@dataclass(frozen=True)
class PlanSummary:
    id: str
    title: str
    active: bool
    tasks: int
    unresolved: int  # unit names of the parsed plan the directory did not know
    source_name: str | None
    number: str | None


@dataclass(frozen=True)
class Imported:
    """A stored plan with the parsed plan it came from (None for a plan that was not
    imported, such as the seed plan)."""

    plan: Plan
    parsed: ParsedPlan | None
    source_name: str | None

    @property
    def unresolved(self) -> list[UnitRef]:
        return self.parsed.unresolved if self.parsed else []


# --- pure: a parsed plan as a plan ---------------------------------------------------

_CLAUSE_END = re.compile(r"[.;:](?:\s|$)")


def short_title(text: str, limit: int = MAX_TITLE) -> str:
    """The first clause of a task's text, for a phone screen: up to the first full
    stop, semicolon or colon, cut at a word (with "…") beyond ``limit`` characters."""
    text = " ".join(text.split())
    if end := _CLAUSE_END.search(text):
        text = text[:end.start()].rstrip() or text
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def _dates(spec: DeadlineSpec) -> list[date]:
    if isinstance(spec, OnDate):
        return [spec.date]
    if isinstance(spec, DateRange):
        return [spec.start, spec.end]
    if isinstance(spec, From):
        return [spec.start]
    return []


def plan_start(parsed: ParsedPlan, today: date) -> date:
    if parsed.issued:
        return parsed.issued
    found = [d for task in parsed.tasks for spec in task.due for d in _dates(spec)]
    return min(found, default=today)


def plan_year(parsed: ParsedPlan, today: date) -> int:
    return parsed.year or (parsed.issued.year if parsed.issued else today.year)


def new_plan_id(year: int, taken: set[str]) -> str:
    n = 1
    while f"plan-{year}-{n}" in taken:
        n += 1
    return f"plan-{year}-{n}"


def _assignees(task: ParsedTask) -> str | None:
    parts = []
    if task.lead:
        parts.append("Chủ trì: " + ", ".join(u.written for u in task.lead))
    if task.coordinating:
        parts.append("Phối hợp: " + ", ".join(u.written for u in task.coordinating))
    return "; ".join(parts) or None


def _ids(refs: tuple[UnitRef, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(u.unit_id for u in refs if u.unit_id))


def _section(code: str) -> str:
    return code.rsplit(".", 1)[0] if "." in code else code.split(" ", 1)[0]


def to_plan(parsed: ParsedPlan, plan_id: str, *, fallback_title: str, today: date) -> Plan:
    """The plan ``/due`` and the reminders read, inactive (see the module's notes)."""
    seen: Counter[str] = Counter()
    tasks = []
    for number, task in enumerate(parsed.tasks, start=1):
        seen[task.id] += 1
        code = task.id if seen[task.id] == 1 else f"{task.id} ({seen[task.id]})"
        tasks.append(Task(
            code=code, section=_section(task.id), title=short_title(task.text),
            text=task.text, lead=_ids(task.lead), coordinating=_ids(task.coordinating),
            assignees_text=_assignees(task), deadline_text=task.deadline_text,
            due=task.due, number=number))
    return Plan(id=plan_id, title=parsed.title or fallback_title,
                starts=plan_start(parsed, today), number=parsed.number,
                issued=parsed.issued, year=plan_year(parsed, today), active=False,
                tasks=tuple(tasks))


def unit_names(parsed: ParsedPlan) -> list[str]:
    """Every unit name the plan writes, once, in order: a stable index for buttons."""
    return list(dict.fromkeys(ref.written for task in parsed.tasks
                              for ref in (*task.lead, *task.coordinating)))


def count_unresolved(parsed_json: dict[str, Any] | None) -> int:
    if not parsed_json:
        return 0
    names = {entry.get("written") for task in parsed_json.get("tasks", [])
             for key in ("lead_resolved", "coordinating_resolved")
             for entry in task.get(key) or [] if isinstance(entry, dict)
             and not entry.get("unit")}
    return len(names)


@dataclass(frozen=True)
class Overview:
    """What a preview counts: deadlines per month (a task's dated deadline: its day,
    or a span's end), recurring tasks, and tasks with no deadline at all."""

    tasks: int
    months: tuple[tuple[Month, int], ...]
    recurring: int
    undated: int


def overview(parsed: ParsedPlan) -> Overview:
    months: Counter[Month] = Counter()
    recurring = undated = 0
    for task in parsed.tasks:
        dated = {Month.of(spec.date if isinstance(spec, OnDate) else spec.end)
                 for spec in task.due if isinstance(spec, OnDate | DateRange)}
        months.update(dated)
        recurring += any(is_recurring(spec) for spec in task.due)
        undated += not task.due
    return Overview(len(parsed.tasks), tuple(sorted(months.items())), recurring, undated)


# --- the use case ------------------------------------------------------------------------


class PlanImports:
    def __init__(self, services: Services, unit_admin: UnitAdmin, audit: AuditLog) -> None:
        self.services = services
        self.unit_admin = unit_admin
        self.audit = audit

    # --- reading ------------------------------------------------------------------------

    def parse(self, name: str, data: bytes) -> ParsedPlan:
        """The plan in a file, its units resolved against today's directory (aliases
        an admin mapped included). Raises ``DocumentError``."""
        return parse_bytes(name, data, self.services.directory)

    async def get(self, plan_id: str) -> Imported | None:
        async with self.services.sessions() as session:
            row = await plan_store.plan_row(session, plan_id)
            if row is None:
                return None
            plans = {p.id: p for p in await plan_store.load_plans(session, active_only=False)}
        parsed = resolve_units(plan_from_json(row.parsed), self.services.directory) \
            if row.parsed else None
        return Imported(plans[plan_id], parsed, row.source_name)

    async def _get(self, plan_id: str) -> Imported:
        found = await self.get(plan_id)
        if found is None:
            raise PlanImportError("unknown_plan", plan_id)
        return found

    async def summaries(self) -> list[PlanSummary]:
        """Every plan, the active ones first, then the newest."""
        async with self.services.sessions() as session:
            plans = await plan_store.load_plans(session, active_only=False)
            rows = {p.id: await plan_store.plan_row(session, p.id) for p in plans}
        found = []
        for plan in plans:
            row = rows[plan.id]
            assert row is not None
            found.append((row.created_at, PlanSummary(
                plan.id, plan.title, plan.active, len(plan.tasks),
                count_unresolved(row.parsed), row.source_name, plan.number)))
        found.sort(key=lambda pair: pair[0], reverse=True)
        return sorted((summary for _, summary in found), key=lambda s: not s.active)

    # --- changing -----------------------------------------------------------------------

    async def store(self, parsed: ParsedPlan, source_name: str, *, actor: str,
                    now: datetime, replacing: str | None = None) -> Imported:
        """Store ``parsed`` as a new inactive plan, or as the new content of the
        inactive imported plan ``replacing`` (an admin's corrected file)."""
        today = now.date()
        parsed = resolve_units(parsed, self.services.directory)
        fallback = PurePath(source_name).stem or source_name
        async with self.services.sessions.begin() as session:
            if replacing is not None:
                row = await plan_store.plan_row(session, replacing)
                if row is None or row.imported_at is None:
                    raise PlanImportError("not_imported", replacing)
                if row.active:
                    raise PlanImportError("active", replacing)
                plan_id = replacing
            else:
                plan_id = new_plan_id(plan_year(parsed, today),
                                      await plan_store.plan_ids(session))
            plan = to_plan(parsed, plan_id, fallback_title=fallback, today=today)
            try:
                await plan_store.save_plan(session, plan, at=now)
            except Conflict as error:
                raise PlanImportError("reported", str(error)) from None
            await plan_store.set_plan_source(session, plan_id, source_name=source_name,
                                             parsed=parsed.to_json(), at=now, by=actor)
            await self.audit.record(
                actor=actor, action="plan.import", target=f"plan:{plan_id}", at=now,
                session=session, detail={"file": source_name[:200], "tasks": len(plan.tasks),
                                         "unresolved": len(parsed.unresolved),
                                         **({"replaced": True} if replacing else {})})
        return Imported(plan, parsed, source_name)

    async def import_file(self, name: str, data: bytes, *, actor: str, now: datetime,
                          replacing: str | None = None) -> Imported:
        """Parse and store; a file that cannot be read is audited as failed and
        raises ``DocumentError``."""
        try:
            # Off the event loop: a long plan takes a few tenths of a second to read,
            # and other people's answers must not wait for it.
            parsed = await asyncio.to_thread(self.parse, name, data)
        except DocumentError as error:
            await self.audit.record(actor=actor, action="plan.import", at=now,
                                    detail={"file": name[:200], "error": str(error)[:300]},
                                    outcome=Outcome.FAILED)
            raise
        return await self.store(parsed, name, actor=actor, now=now, replacing=replacing)

    async def set_active(self, plan_id: str, active: bool, *, actor: str,
                         now: datetime) -> Plan:
        action = "plan.activate" if active else "plan.deactivate"
        async with self.services.sessions.begin() as session:
            row = await plan_store.plan_row(session, plan_id)
            if row is None:
                await self.audit.record(actor=actor, action=action, at=now,
                                        target=f"plan:{plan_id}"[:80],
                                        outcome=Outcome.FAILED, session=session,
                                        detail={"error": "unknown_plan"})
                unknown = True
            else:
                unknown = False
                await plan_store.set_plan_active(session, plan_id, active)
                await self.audit.record(actor=actor, action=action, at=now,
                                        target=f"plan:{plan_id}", session=session)
                # Other processes reload their snapshot (plans included) on a new version.
                await unit_store.bump_directory_version(session, at=now)
        if unknown:
            raise PlanImportError("unknown_plan", plan_id)
        await self.services.reload()
        return (await self._get(plan_id)).plan

    async def discard(self, plan_id: str, *, actor: str, now: datetime) -> Plan:
        """Delete an imported plan that is not active (a cancelled import)."""
        found = await self._get(plan_id)
        if found.parsed is None:
            raise PlanImportError("not_imported", plan_id)
        if found.plan.active:
            raise PlanImportError("active", plan_id)
        async with self.services.sessions.begin() as session:
            try:
                await plan_store.delete_plan(session, plan_id)
            except Conflict as error:
                raise PlanImportError("reported", str(error)) from None
            await self.audit.record(actor=actor, action="plan.discard", at=now,
                                    target=f"plan:{plan_id}", session=session)
        return found.plan

    async def _restore(self, found: Imported, *, actor: str, now: datetime) -> Imported:
        """The imported plan re-resolved against today's directory, stored again."""
        assert found.parsed is not None and found.source_name is not None
        if found.plan.active:
            # An active plan's tasks change too: /due reads them at once.
            async with self.services.sessions.begin() as session:
                plan = replace(to_plan(found.parsed, found.plan.id,
                                       fallback_title=found.plan.title, today=now.date()),
                               starts=found.plan.starts, active=True)
                await plan_store.save_plan(session, plan, at=now)
                await plan_store.set_plan_source(
                    session, plan.id, source_name=found.source_name,
                    parsed=found.parsed.to_json(), at=now, by=actor)
                await unit_store.bump_directory_version(session, at=now)
            await self.services.reload()
            return Imported(plan, found.parsed, found.source_name)
        return await self.store(found.parsed, found.source_name, actor=actor, now=now,
                                replacing=found.plan.id)

    async def map_unit(self, plan_id: str, written: str, unit_id: str, *, actor: str,
                       now: datetime) -> tuple[Unit, Imported]:
        """Remember ``written`` as another name of ``unit_id`` (the next import finds
        it), and re-resolve the plan's tasks."""
        found = await self._get(plan_id)
        if found.parsed is None:
            raise PlanImportError("not_imported", plan_id)
        await self.services.reload_if_changed()
        directory = self.services.directory
        target = f"unit:{unit_id}"[:80]
        try:
            if unit_id not in directory:
                raise UnitEditError(EditError.UNKNOWN_UNIT)
            alias = clean_name(written)
            owner = owner_of_name(directory, alias)
            if owner is not None and owner.id != unit_id:
                raise UnitEditError(EditError.NAME_TAKEN, owner.name)
        except UnitEditError as error:
            await self.audit.record(actor=actor, action="unit.alias", target=target, at=now,
                                    detail={"alias": written[:200], "error": error.code.value},
                                    outcome=Outcome.FAILED)
            raise
        async with self.services.sessions.begin() as session:
            await unit_store.add_alias(session, unit_id, alias, at=now)
            await self.audit.record(actor=actor, action="unit.alias", target=target, at=now,
                                    detail={"alias": alias, "plan": plan_id}, session=session)
            await unit_store.bump_directory_version(session, at=now)
        await self.services.reload()
        return directory.get(unit_id), await self._restore(await self._get(plan_id),
                                                           actor=actor, now=now)

    async def add_unit(self, plan_id: str, written: str, *, actor: str,
                       now: datetime) -> tuple[Unit, Imported]:
        """A new unit named as the plan writes it (``UnitAdmin.add``: its checks and
        audit entry), and the plan's tasks re-resolved."""
        found = await self._get(plan_id)
        if found.parsed is None:
            raise PlanImportError("not_imported", plan_id)
        unit = await self.unit_admin.add(written, None, actor=actor, now=now)
        return unit, await self._restore(await self._get(plan_id), actor=actor, now=now)

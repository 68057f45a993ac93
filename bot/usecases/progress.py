"""Progress updates: what an officer says about a task, stored with who, which unit,
which task, which report cycle and when — and taken back within ten minutes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import Enum

from bot.agenda import Role
from bot.cycles import cycle_dates, cycle_for, is_periodic
from bot.members import Member
from bot.messages import Incoming
from bot.plans import Plan, Task
from bot.progress_text import ParsedUpdate, UpdateStatus
from bot.services import Services
from storage import conversations as state_store
from storage import progress as progress_store
from storage.models import Member as MemberRow

UNDO_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class Updatable:
    """A task the unit can report on, with the cycle an update today would count for."""

    task_id: int
    plan: Plan
    task: Task
    role: Role
    cycle: date | None


@dataclass(frozen=True)
class StoredUpdate:
    id: int
    item: Updatable
    status: UpdateStatus
    percent: int | None
    text: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    author: str | None  # None: a former member, or someone who has left
    task: Task
    cycle: date | None
    status: UpdateStatus
    percent: int | None
    text: str


class UndoResult(Enum):
    UNDONE = "undone"
    TOO_LATE = "too_late"
    NOT_ALLOWED = "not_allowed"  # unknown id, another unit's update, or someone else's


class ProgressBook:
    def __init__(self, services: Services) -> None:
        self.services = services

    def updatable(self, unit_id: str, today: date) -> list[Updatable]:
        """Every task the unit leads or coordinates in the open plans, reports first."""
        snapshot = self.services.snapshot
        unit_id = snapshot.directory.successor(unit_id)
        found = [
            Updatable(snapshot.task_ids[a.plan.id, a.task.code], a.plan, a.task, a.role,
                      (cycle.due if (cycle := cycle_for(a.plan, a.task, today)) else None))
            for a in snapshot.assignments.of(unit_id)
            if a.role is not Role.COLLECT
        ]

        def order(item: Updatable) -> tuple[int, date, int]:
            return (0 if is_periodic(item.task) else 1, item.cycle or date.max,
                    item.task.number)

        return sorted(found, key=order)

    async def open_items(self, unit_id: str, today: date) -> list[Updatable]:
        """What /update offers: periodic reports and tasks not yet marked done."""
        unit_id = self.services.directory.successor(unit_id)
        done = await self.services.done_tasks(unit_id)
        return [i for i in self.updatable(unit_id, today)
                if is_periodic(i.task) or (i.plan.id, i.task.code) not in done]

    def find(self, unit_id: str, token: str, today: date) -> list[Updatable]:
        """The unit's tasks that ``token`` names: a code ("II.8.1") or a number ("12")."""
        wanted = token.strip().rstrip(".:").lower()
        items = self.updatable(unit_id, today)
        by_code = [i for i in items if i.task.code.lower() == wanted]
        if by_code:
            return by_code
        if wanted.isdigit():
            return [i for i in items if i.task.number == int(wanted)]
        return []

    def item(self, unit_id: str, task_id: int, today: date) -> Updatable | None:
        """The unit's task with this id, or None (a forged or stale button)."""
        return next((i for i in self.updatable(unit_id, today) if i.task_id == task_id), None)

    def for_cycle(self, item: Updatable, cycle_text: str) -> Updatable | None:
        """The same task, for the given cycle ("20230805"), if the task has that cycle."""
        try:
            cycle = datetime.strptime(cycle_text, "%Y%m%d").date()
        except ValueError:
            return None
        if cycle not in cycle_dates(item.plan, item.task, cycle):
            return None
        return replace(item, cycle=cycle)

    async def record(self, member: Member, item: Updatable, update: ParsedUpdate, *,
                     now: datetime, message_id: str | None = None,
                     ending: Incoming | None = None) -> StoredUpdate:
        """Store the update; ``ending``: the conversation it answers (the step that
        asked for it), ended in the same transaction — stored and asked again cannot
        both happen, and one commit is half the cost of two."""
        assert member.unit_id is not None
        async with self.services.sessions.begin() as session:
            row = await progress_store.record_update(
                session, task_id=item.task_id, unit_id=member.unit_id, member_id=member.id,
                cycle=item.cycle, text=update.text, percent=update.percent,
                status=update.status.value, at=now, channel_message_id=message_id)
            if ending is not None:
                await state_store.clear_state(session, ending.channel, ending.chat_id,
                                              ending.user_id)
            return StoredUpdate(row.id, item, update.status, update.percent, update.text)

    async def undo(self, update_id: int, member: Member, now: datetime) -> UndoResult:
        async with self.services.sessions.begin() as session:
            row = await progress_store.get_update(session, update_id)
            if row is None or row.unit_id != member.unit_id or (
                    row.member_id != member.id and not member.is_admin):
                return UndoResult.NOT_ALLOWED
            if now - row.created_at > UNDO_WINDOW:
                return UndoResult.TOO_LATE
            await progress_store.delete_update(session, update_id)
            return UndoResult.UNDONE

    async def history(self, unit_id: str, *, task_id: int | None = None,
                      limit: int = 10) -> list[HistoryEntry]:
        unit_id = self.services.directory.successor(unit_id)
        by_id = self.services.snapshot.tasks_by_id
        async with self.services.sessions() as session:
            # Updates sent before a merge, under the old unit's id, are the unit's too.
            rows = await progress_store.recent_updates(
                session, self.services.history_ids(unit_id), limit, task_id=task_id)
            authors: dict[int, str] = {}
            for member_id in {r.member_id for r in rows if r.member_id is not None}:
                author = await session.get(MemberRow, member_id)
                if author is not None:
                    authors[member_id] = author.display_name or ""
        return [
            HistoryEntry(r.created_at, authors.get(r.member_id) if r.member_id else None,
                         by_id[r.task_id][1], r.cycle, UpdateStatus(r.status), r.percent,
                         r.text)
            for r in rows if r.task_id in by_id
        ]

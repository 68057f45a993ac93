"""Use cases: the pure domain combined with storage. Handlers call these; they know
no messenger.

Units and plans change rarely (an admin edits them) and are read on every /due, so
they live in an in-memory snapshot loaded at start and reloaded after an edit.
Per-member facts (who did what) are read from the database each time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agenda import (
    Agenda,
    AgendaItem,
    Assignment,
    AssignmentIndex,
    month_agenda,
    overdue_items,
)
from bot.calendar import Month
from bot.config import Settings
from bot.matching import Match, UnitMatcher
from bot.members import Member, MemberRole
from bot.memo import Memo, Same
from bot.plans import Plan, Task
from bot.units import Directory
from bot.workdays import WorkingCalendar
from storage import hot_reads
from storage import members as member_store
from storage import plans as plan_store
from storage import progress as progress_store
from storage import reminder_settings as reminder_settings_store
from storage import units as unit_store
from storage.models import Member as MemberRow


@dataclass(frozen=True)
class Snapshot:
    directory: Directory
    plans: tuple[Plan, ...]
    # Database ids of the tasks: buttons and progress updates refer to tasks by id.
    task_ids: dict[tuple[str, str], int]  # (plan id, task code) -> id
    tasks_by_id: dict[int, tuple[Plan, Task]]
    # Every unit's tasks in the open plans, with its role: /due reads its own.
    assignments: AssignmentIndex

    @cached_property
    def matcher(self) -> UnitMatcher:
        """Built when a name is first looked up, not at every (re)load: 5,000 units'
        name forms take seconds, and neither a start nor an officer's /due needs them."""
        return UnitMatcher(self.directory)


AGENDA_MEMO_SIZE = 1024  # (unit, month, day, progress) combinations kept


def member_view(row: MemberRow) -> Member:
    return Member(
        id=row.id,
        channel=row.channel,
        user_id=row.channel_user_id,
        unit_id=row.unit_id,
        role=MemberRole(row.role),
        language=row.language,
        display_name=row.display_name or "",
        chat_id=row.chat_id,
    )


def _member_from_record(record: hot_reads.MemberRecord) -> Member:
    return Member(id=record.id, channel=record.channel, user_id=record.channel_user_id,
                  unit_id=record.unit_id, role=MemberRole(record.role),
                  language=record.language, display_name=record.display_name or "",
                  chat_id=record.chat_id)


class Services:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.sessions = sessions
        self._snapshot: Snapshot | None = None
        self._workdays: dict[str, WorkingCalendar] = {}
        # Months computed, by everything they depend on (bot/memo.py).
        self._agendas: Memo[Agenda] = Memo(AGENDA_MEMO_SIZE)
        self._calendar_changes: tuple[frozenset[date], frozenset[date]] = (
            frozenset(), frozenset())
        # The directory version the snapshot was loaded at (storage.units): another
        # process's edit changes it, and the next check reloads.
        self.loaded_version: str | None = None
        # Rung by whoever queues outbox rows outside the reminder tick (a broadcast,
        # an admin's "remind them now"); the outbox worker of this process listens.
        self.outbox_wake = asyncio.Event()

    def wake_outbox(self) -> None:
        self.outbox_wake.set()

    async def reload(self) -> Snapshot:
        async with self.sessions() as session:
            # The version first: an edit committed while we read can then only make
            # the next check reload once more, never leave a stale snapshot marked new.
            version = await unit_store.directory_version(session)
            directory = await unit_store.load_directory(session)
            plans = tuple(await plan_store.load_plans(session, active_only=True))
            days_off, working_days = await reminder_settings_store.calendar_days(session)
            task_ids = {
                (plan.id, code): task_id
                for plan in plans
                for code, task_id in (await plan_store.task_ids_by_code(session, plan.id)).items()
            }
        by_id = {task_ids[plan.id, task.code]: (plan, task) for plan in plans
                 for task in plan.tasks}
        self._snapshot = Snapshot(directory, plans, task_ids, by_id,
                                  AssignmentIndex(plans, directory))
        self._calendar_changes = (frozenset(days_off), frozenset(working_days))
        self._workdays.clear()
        self.loaded_version = version
        return self._snapshot

    async def reload_if_changed(self) -> bool:
        """Reload when another process (or the shell) edited the directory since our
        load; one small query otherwise. True when it reloaded."""
        async with self.sessions() as session:
            version = await unit_store.directory_version(session)
        if version == self.loaded_version:
            return False
        await self.reload()
        return True

    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            raise RuntimeError("Services.reload() must run before use")
        return self._snapshot

    @property
    def directory(self) -> Directory:
        return self.snapshot.directory

    def workdays(self, language: str) -> WorkingCalendar:
        """The working-day calendar, with holiday names in ``language``."""
        if language not in self._workdays:
            days_off, working_days = self._calendar_changes
            self._workdays[language] = WorkingCalendar(
                extra_days_off=days_off, extra_working_days=working_days, language=language)
        return self._workdays[language]

    # --- units ----------------------------------------------------------------------

    def rank_units(self, query: str, *, limit: int = 5,
                   include_collectives: bool = False) -> list[Match]:
        return self.snapshot.matcher.rank(query, limit=limit,
                                          include_collectives=include_collectives)

    def find_unit(self, query: str) -> str | None:
        """The unit a name confidently designates as written: a merged unit itself,
        not its successor (what an edit of the directory is about); a collective only
        when no unit fits, so that the edit can say why it does not apply."""
        matcher = self.snapshot.matcher
        match = matcher.best(query) or matcher.best(query, include_collectives=True)
        return match.unit_id if match else None

    def resolve_unit(self, query: str) -> str | None:
        """Today's unit for a confidently recognised name (merged names follow the merge)."""
        match = self.snapshot.matcher.best(query)
        return self.directory.successor(match.unit_id) if match else None

    # --- members --------------------------------------------------------------------

    async def member(self, channel: str, user_id: str, *,
                     private_chat: str | None = None) -> Member | None:
        """The member behind a message. An inactive member (the platform refused a
        delivery: blocked, kicked) who writes again is reachable again; one removed
        by an admin or lead (``left_at`` set) stays removed until they join again.

        ``private_chat``: the chat of a private message. A member whose private chat
        is not known yet (an admin named in the settings, on Zalo, where the bot
        learns a chat only when the person writes first) gets it stored, so pushes
        can reach them from now on."""
        async with self.sessions() as session:
            # Every message asks this: a plain read first, the ORM only to change.
            record = await hot_reads.member_record(session, channel, user_id)
            if record is None:
                return None
            if (record.active or record.left_at is not None) \
                    and (record.chat_id is not None or not private_chat):
                return _member_from_record(record)
            row = await member_store.get_member(session, channel, user_id)
            if row is None:
                return None
            changed = False
            if not row.active and row.left_at is None:
                await member_store.set_member_active(session, row.id, True)
                changed = True
            if row.chat_id is None and private_chat:
                row.chat_id = private_chat
                changed = True
            if changed:
                await session.commit()
            return member_view(row)

    async def enroll(self, channel: str, user_id: str, *, unit_id: str | None,
                     role: MemberRole, at: datetime, display_name: str = "",
                     language: str | None = None, chat_id: str | None = None) -> Member:
        """Create or update a member (the local channel's personas, the admins named
        in the settings). Someone an admin removed is back: the settings say so."""
        if unit_id is not None:
            unit_id = self.directory.successor(unit_id)
        async with self.sessions.begin() as session:
            row = await member_store.upsert_member(
                session, channel=channel, channel_user_id=user_id, unit_id=unit_id,
                role=role.value, display_name=display_name, language=language, at=at,
                chat_id=chat_id if chat_id is not None else member_store.KEEP)
            if row.left_at is not None:
                row.active, row.left_at = True, None
            return member_view(row)

    # --- the unit's month -------------------------------------------------------------

    def history_ids(self, unit_id: str) -> set[str]:
        """The unit under every id it has had: updates sent before a merge count."""
        return {unit_id, *self.directory.predecessors(unit_id)}

    async def done_tasks(self, unit_id: str) -> set[tuple[str, str]]:
        async with self.sessions() as session:
            return await progress_store.done_tasks(session, self.history_ids(unit_id))

    async def agenda(self, unit_id: str, month: Month, today: date) -> Agenda:
        unit_id = self.directory.successor(unit_id)
        async with self.sessions() as session:
            progress = await hot_reads.unit_progress(session, self.history_ids(unit_id),
                                                     month.first, month.last)
        snapshot = self.snapshot
        key = (Same(snapshot), unit_id, month, today, frozenset(progress.done),
               frozenset(progress.reported))
        return self._agendas.get(key) or self._agendas.put(key, month_agenda(
            snapshot.plans, snapshot.directory, unit_id, month, today,
            done=progress.done, reported=progress.reported,
            assigned=snapshot.assignments.of(unit_id)))

    async def overdue(self, unit_id: str, today: date) -> list[AgendaItem]:
        unit_id = self.directory.successor(unit_id)
        done = await self.done_tasks(unit_id)
        return overdue_items(self.snapshot.plans, self.directory, unit_id, today, done=done,
                             assigned=self.snapshot.assignments.of(unit_id))

    def assignments(self, unit_id: str) -> list[Assignment]:
        """Every task of the open plans that concerns the unit, with its role."""
        unit_id = self.directory.successor(unit_id)
        return self.snapshot.assignments.of(unit_id)

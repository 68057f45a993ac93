"""The reminder engine: on each tick, turn the schedule's reminders that have come due
into outbox rows — one per recipient, each with a unique key, so that any number of
ticks, restarts or processes enqueue each reminder once.

The scheduler only wakes this up; what is due is computed from the plans and the
calendar, and the last tick's time is kept in the database. After downtime, what fell
due meanwhile is sent once if still useful (the due date has not passed, and it is
not older than the catch-up window) and skipped with a log line otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from bot.members import Member, MemberRole
from bot.messages import Reply, reply_to_payload
from bot.reminders import Reminder, ReminderKind, ReminderPolicy, schedule
from bot.services import Services, member_view
from bot.units import Directory
from bot.workdays import WorkingCalendar
from storage import chats as chat_store
from storage import members as member_store
from storage import outbox as outbox_store
from storage import progress as progress_store
from storage import reminder_settings as settings_store
from storage.models import Member as MemberRow

log = logging.getLogger(__name__)

LAST_TICK = "reminders.last_tick"
LONGEST_LOOK_BACK = timedelta(days=31)  # after a long outage, do not replay a year
REPORT_HORIZON = timedelta(days=120)  # due dates a window's reminders can belong to


class Renderer(Protocol):
    def __call__(self, reminder: Reminder, *, audience: str, language: str,
                 directory: Directory, workdays: WorkingCalendar, task_id: int,
                 units: Collection[str] = ()) -> Reply: ...


@dataclass(frozen=True)
class TickResult:
    start: datetime
    end: datetime
    enqueued: int
    skipped: int


def _parse_time(text: str | None, default: time) -> time:
    if not text:
        return default
    hour, minute = (int(part) for part in text.split(":"))
    return time(hour, minute)


class ReminderEngine:
    def __init__(self, services: Services, render: Renderer) -> None:
        self.services = services
        self.render = render
        self._overrides: dict[str, tuple[tuple[int, ...] | None, str | None]] = {}
        self._rendered: dict[tuple[str, str, str, tuple[str, ...]], dict[str, Any]] = {}

    # --- policies: global settings, per-unit overrides ----------------------------------

    @property
    def global_policy(self) -> ReminderPolicy:
        settings = self.services.settings
        return ReminderPolicy(settings.reminder_lead_days, settings.reminder_time,
                              settings.escalation_time)

    async def load_overrides(self) -> None:
        async with self.services.sessions() as session:
            self._overrides = await settings_store.unit_settings(session)

    def policy_for(self, unit_id: str) -> ReminderPolicy:
        base = self.global_policy
        lead, send_time = self._overrides.get(unit_id, (None, None))
        return ReminderPolicy(tuple(lead) if lead else base.lead_days,
                              _parse_time(send_time, base.send_time), base.escalation_time)

    # --- the schedule -------------------------------------------------------------------

    async def reported(self, start: date, end: date) -> set[tuple[str, str, date, str]]:
        """Occurrences already reported on, under today's unit ids (a merged unit's
        updates count for its successor)."""
        async with self.services.sessions() as session:
            rows = await progress_store.reported_occurrences(session, start, end)
        directory = self.services.directory
        return {(plan, code, due, directory.successor(unit) if unit in directory else unit)
                for plan, code, due, unit in rows}

    async def schedule(self, start: datetime, end: datetime, *,
                       units: Collection[str] | None = None) -> list[Reminder]:
        tz = self.services.settings.timezone
        reported = await self.reported(start.astimezone(tz).date(),
                                       end.astimezone(tz).date() + REPORT_HORIZON)
        return schedule(self.services.snapshot.plans, self.services.directory,
                        self.services.workdays(self.services.settings.default_language), tz,
                        start, end, policy_for=self.policy_for,
                        global_policy=self.global_policy, reported=reported, units=units)

    # --- the tick -----------------------------------------------------------------------

    async def tick(self, now: datetime) -> TickResult:
        settings = self.services.settings
        catch_up = timedelta(hours=settings.reminder_catchup_hours)
        async with self.services.sessions() as session:
            last = await settings_store.get_state(session, LAST_TICK)
        start = datetime.fromisoformat(last) if last else now - catch_up
        start = max(start, now - LONGEST_LOOK_BACK)
        today = now.astimezone(settings.timezone).date()
        drafts: list[outbox_store.OutboxDraft] = []
        skipped = 0
        due_now = []
        for reminder in await self.schedule(start, now):
            if reminder.send_at < now - catch_up or reminder.due < today:
                skipped += 1
                log.info("reminder skipped (missed while down, no longer useful): %s at %s",
                         reminder.key, reminder.send_at.isoformat())
                continue
            due_now.append(reminder)
        self._rendered = {}
        drafts = await self._drafts(due_now, today)
        async with self.services.sessions.begin() as session:
            enqueued = await outbox_store.enqueue_many(session, drafts, at=now)
            await settings_store.set_state(session, LAST_TICK, now.isoformat(), at=now)
        if enqueued:
            log.info("reminders: %d messages enqueued", enqueued)
        return TickResult(start, now, enqueued, skipped)

    async def _drafts(self, reminders: list[Reminder], today: date) -> list[
            outbox_store.OutboxDraft]:
        unit_ids = {u for r in reminders if r.kind is not ReminderKind.ESCALATION
                    for u in r.units}
        missing = {u for r in reminders if r.kind is ReminderKind.ESCALATION for u in r.units}
        async with self.services.sessions() as session:
            members = await member_store.reachable_members(session, unit_ids, on=today)
            leads = await member_store.reachable_members(session, missing, on=today,
                                                         roles={MemberRole.LEAD})
            groups = await chat_store.bound_chats_for_units(session, unit_ids)
            province = await chat_store.province_wide_chats(session)
            admins = [member_view(m)
                      for m in await member_store.admins(session, push_only=True)]
        drafts: list[outbox_store.OutboxDraft] = []
        by_moment: dict[tuple[str, str, int, datetime], list[Reminder]] = {}
        for reminder in reminders:
            if reminder.kind is ReminderKind.ESCALATION:
                drafts += self._to_admins(reminder, admins)
                drafts += self._to_leads(reminder, leads)
                continue
            unit = reminder.units[0]
            drafts += [self._draft(reminder, f"m{m.id}", m.channel, m.chat_id or "",
                                   "member", m.language, member_id=m.id)
                       for m in members.get(unit, ())]
            drafts += [self._draft(reminder, f"c{g.channel}:{g.channel_chat_id}", g.channel,
                                   g.channel_chat_id, "unit_group", None)
                       for g in groups.get(unit, ())]
            moment = (reminder.occurrence_key, reminder.kind.value, reminder.lead,
                      reminder.send_at)
            by_moment.setdefault(moment, []).append(reminder)
        for (occurrence, kind, lead, _), together in by_moment.items():
            first = together[0]
            units = sorted(u for r in together for u in r.units)
            for chat in province:
                key = f"{occurrence}/{kind}/{lead}/province/c{chat.channel}:{chat.channel_chat_id}"
                drafts.append(self._draft(first, "", chat.channel, chat.channel_chat_id,
                                          "province", None, key=key, units=units))
        return drafts

    def _to_admins(self, reminder: Reminder, admins: list[Member]) -> list[
            outbox_store.OutboxDraft]:
        return [self._draft(reminder, f"m{a.id}", a.channel, a.chat_id, "admin", a.language,
                            units=reminder.units, member_id=a.id)
                for a in admins if a.chat_id]

    def _to_leads(self, reminder: Reminder, leads: dict[str, list[MemberRow]]) -> list[
            outbox_store.OutboxDraft]:
        """Each missing unit's leads hear of their own unit only, privately: a row per
        lead, keyed by the reminder and the lead."""
        return [self._draft(reminder, f"lead/m{lead.id}", lead.channel, lead.chat_id or "",
                            "lead", lead.language, units=(unit,), member_id=lead.id)
                for unit in reminder.units for lead in leads.get(unit, ())]

    def _draft(self, reminder: Reminder, recipient: str, channel: str, chat_id: str,
               audience: str, language: str | None, *, key: str | None = None,
               units: Collection[str] = (), member_id: int | None = None,
               ) -> outbox_store.OutboxDraft:
        language = language or self.services.settings.default_language
        return outbox_store.OutboxDraft(
            key=key or f"{reminder.key}/{recipient}", channel=channel, chat_id=chat_id,
            payload=self._payload(reminder, audience, language, tuple(units)),
            not_before=reminder.send_at, kind="reminder",
            group_key=reminder.occurrence_key, recipient_member_id=member_id)

    def _payload(self, reminder: Reminder, audience: str, language: str,
                 units: tuple[str, ...]) -> dict[str, Any]:
        """The words depend on the reminder, audience and language, not on who reads
        them: render once for the 700 officers of a unit, not 700 times."""
        key = (reminder.key, audience, language, units)
        if key not in self._rendered:
            task_id = self.services.snapshot.task_ids[reminder.plan.id, reminder.task.code]
            reply = self.render(reminder, audience=audience, language=language,
                                directory=self.services.directory,
                                workdays=self.services.workdays(language), task_id=task_id,
                                units=units)
            self._rendered[key] = reply_to_payload(reply)
        return self._rendered[key]

"""A member's own reminder settings: mute, absences; and the admins' calendar
changes (extra days off, make-up working days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.members import Member
from bot.services import Services
from bot.usecases.audit import AuditLog
from storage import members as member_store
from storage import reminder_settings as settings_store
from storage import units as unit_store


@dataclass(frozen=True)
class Absence:
    starts: date
    ends: date


class Preferences:
    def __init__(self, services: Services, audit: AuditLog | None = None) -> None:
        self.services = services
        self.audit = audit or AuditLog(services)

    async def mute(self, member: Member, muted: bool) -> None:
        async with self.services.sessions.begin() as session:
            await member_store.set_muted(session, member.id, muted)

    async def is_muted(self, member: Member) -> bool:
        async with self.services.sessions() as session:
            row = await member_store.get_member_by_id(session, member.id)
            return bool(row and row.muted)

    async def add_absence(self, member: Member, starts: date, ends: date,
                          now: datetime) -> None:
        async with self.services.sessions.begin() as session:
            await member_store.add_absence(session, member.id, starts, ends, at=now)

    async def absences(self, member: Member, today: date) -> list[Absence]:
        """Current and future absences, soonest first."""
        async with self.services.sessions() as session:
            rows = await member_store.absences(session, member.id)
        return sorted((Absence(r.starts, r.ends) for r in rows if r.ends >= today),
                      key=lambda a: a.starts)

    async def clear_absences(self, member: Member) -> int:
        async with self.services.sessions.begin() as session:
            return await member_store.clear_absences(session, member.id)

    async def change_calendar(self, day: date, kind: str | None, *, note: str, by: str,
                              now: datetime) -> None:
        """Add a day off ("off"), a make-up working day ("work"), or remove (None)."""
        action = {"off": "calendar.dayoff", "work": "calendar.workday"}.get(
            kind or "", "calendar.remove")
        async with self.services.sessions.begin() as session:
            if kind is None:
                await settings_store.remove_calendar_day(session, day)
            else:
                await settings_store.add_calendar_day(session, day, kind, note=note,
                                                      created_by=by, at=now)
            await self.audit.record(actor=by, action=action, target=f"day:{day.isoformat()}",
                                    at=now, detail={"note": note} if note else None,
                                    session=session)
            # The calendar is part of the snapshot: other processes reload it too.
            await unit_store.bump_directory_version(session, at=now)
        await self.services.reload()  # the working-day calendar changed

    async def calendar_changes(self) -> tuple[set[date], set[date]]:
        async with self.services.sessions() as session:
            return await settings_store.calendar_days(session)

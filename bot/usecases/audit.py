"""The audit log: every admin action — who, what, on what, when, and how it ended —
including the refused ones (a forged button from a non-admin is worth knowing about)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Services
from storage import audit as audit_store
from storage import members as member_store

MAX_RECENT = 200


class Outcome(StrEnum):
    OK = "ok"
    DENIED = "denied"  # the actor may not do this
    FAILED = "failed"  # allowed, but it could not be done (unknown unit, bad input)


@dataclass(frozen=True)
class AuditRecord:
    at: datetime
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any] | None
    outcome: str


class AuditLog:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def record(self, *, actor: str, action: str, at: datetime,
                     target: str | None = None, detail: dict[str, Any] | None = None,
                     outcome: Outcome = Outcome.OK,
                     session: AsyncSession | None = None) -> None:
        """Write one entry. Pass the ``session`` of the action itself where there is
        one, so the entry commits (or rolls back) with what it describes."""
        if session is not None:
            await audit_store.record(session, actor=actor, action=action, target=target,
                                     detail=detail, outcome=outcome.value, at=at)
            return
        async with self.services.sessions.begin() as own:
            await audit_store.record(own, actor=actor, action=action, target=target,
                                     detail=detail, outcome=outcome.value, at=at)

    async def recent(self, limit: int = 20) -> list[AuditRecord]:
        """The latest entries, newest first; at most ``MAX_RECENT``."""
        async with self.services.sessions() as session:
            rows = await audit_store.recent_entries(session, max(1, min(limit, MAX_RECENT)))
        return [AuditRecord(r.at, r.actor, r.action, r.target, r.detail, r.outcome)
                for r in rows]

    async def names(self, records: list[AuditRecord]) -> dict[str, str]:
        """Display names for the actors ("telegram:123") and the member and unit
        targets ("member:5", "unit:so-tp") of ``records`` that are known; the rest
        read as written."""
        by_channel: dict[str, set[str]] = {}
        for record in records:
            channel, _, user_id = record.actor.partition(":")
            if user_id:
                by_channel.setdefault(channel, set()).add(user_id)
        member_ids = {int(r.target[7:]) for r in records
                      if r.target and r.target.startswith("member:") and r.target[7:].isdigit()}
        directory = self.services.directory
        names = {r.target: directory.get(r.target[5:]).name for r in records
                 if r.target and r.target.startswith("unit:") and r.target[5:] in directory}
        async with self.services.sessions() as session:
            for channel, user_ids in by_channel.items():
                for user_id, row in (await member_store.find_members(
                        session, channel, user_ids)).items():
                    if row.display_name:
                        names[f"{channel}:{user_id}"] = row.display_name
            for member_id in member_ids:
                target = await member_store.get_member_by_id(session, member_id)
                if target is not None and target.display_name:
                    names[f"member:{member_id}"] = f"{target.display_name} (#{member_id})"
        return names

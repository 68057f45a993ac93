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
        async with self.services.sessions() as session:
            rows = await audit_store.recent_entries(session, limit)
        return [AuditRecord(r.at, r.actor, r.action, r.target, r.detail, r.outcome)
                for r in rows]

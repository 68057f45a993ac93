"""The audit log: who changed what, and whether it worked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


async def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    target: str | None,
    detail: dict[str, Any] | None,
    outcome: str,
    at: datetime,
) -> AuditEntry:
    """``actor`` is "channel:user id" or "cli"; ``detail`` must be JSON-serialisable."""
    entry = AuditEntry(
        at=at, actor=actor, action=action, target=target, detail=detail, outcome=outcome
    )
    session.add(entry)
    await session.flush()
    return entry


async def recent_entries(session: AsyncSession, limit: int) -> list[AuditEntry]:
    """The latest ``limit`` entries, newest first."""
    return list(await session.scalars(
        select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    ))

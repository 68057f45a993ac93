from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.audit import record
from storage.models import AuditEntry


async def test_record_and_read_back(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    detail = {"units": ["so-xd", "so-tc"], "text": "Họp giao ban", "count": 2, "dry": False}
    async with sessionmaker.begin() as session:
        await record(session, actor="telegram:123", action="broadcast", target="units",
                     detail=detail, outcome="queued", at=now)
        await record(session, actor="cli", action="db.upgrade", target=None, detail=None,
                     outcome="ok", at=now)
    async with sessionmaker() as session:
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [(e.actor, e.action, e.target, e.detail, e.outcome, e.at) for e in entries] == [
        ("telegram:123", "broadcast", "units", detail, "queued", now),
        ("cli", "db.upgrade", None, None, "ok", now),
    ]

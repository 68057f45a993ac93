"""The outbox key makes enqueueing idempotent, even between racing processes."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import OutboxMessage
from storage.outbox import enqueue

PAYLOAD: dict[str, Any] = {"text": "Nhắc: báo cáo trước ngày 05/7", "options": [], "parse": None}


async def _enqueue(sessionmaker: async_sessionmaker[AsyncSession], key: str,
                   now: datetime, text: str = "first") -> bool:
    async with sessionmaker.begin() as session:
        return await enqueue(session, key=key, channel="telegram", chat_id="-100123",
                             payload={**PAYLOAD, "text": text},
                             not_before=now + timedelta(hours=1), at=now)


async def _rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_enqueue_stores_a_pending_message(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    assert await _enqueue(sessionmaker, "reminder:I.1:2023-07-05:so-xd", now)
    [row] = await _rows(sessionmaker)
    assert (row.key, row.channel, row.chat_id, row.status, row.attempts) == (
        "reminder:I.1:2023-07-05:so-xd", "telegram", "-100123", "pending", 0
    )
    assert row.payload == {**PAYLOAD, "text": "first"}
    assert row.next_attempt_at == now + timedelta(hours=1)
    assert row.created_at == now and row.sent_at is None and row.last_error is None


async def test_same_key_twice_queues_once(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    assert await _enqueue(sessionmaker, "k", now, "first") is True
    assert await _enqueue(sessionmaker, "k", now, "second") is False
    assert await _enqueue(sessionmaker, "other", now) is True
    rows = await _rows(sessionmaker)
    assert [(r.key, r.payload["text"]) for r in rows] == [("k", "first"), ("other", "first")]


async def test_racing_transactions_queue_once(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    results = await asyncio.gather(*(_enqueue(sessionmaker, "race", now) for _ in range(4)))
    assert sorted(results) == [False, False, False, True]
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 1

"""The outbox key makes enqueueing idempotent, even between racing processes,
one message or twenty thousand at a time."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.members import upsert_member
from storage.models import OutboxMessage
from storage.outbox import OutboxDraft, enqueue, enqueue_many

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


# --- enqueue_many ------------------------------------------------------------------------


def _draft(key: str, now: datetime, **changes: Any) -> OutboxDraft:
    fields: dict[str, Any] = {
        "key": key, "channel": "telegram", "chat_id": "42", "payload": PAYLOAD,
        "not_before": now, "kind": "reminder", "group_key": "rem:bn/I.1/2023-07-05",
    }
    return OutboxDraft(**{**fields, **changes})


async def test_enqueue_keeps_its_defaults(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _enqueue(sessionmaker, "notice:1", now)
    [row] = await _rows(sessionmaker)
    assert (row.kind, row.group_key, row.recipient_member_id) == ("notice", None, None)
    assert (row.claimed_by, row.lease_until, row.updated_at) == (None, None, now)


async def test_enqueue_many_stores_every_field(
    sessionmaker: async_sessionmaker[AsyncSession], units: object, now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        member = await upsert_member(session, channel="telegram", channel_user_id="42",
                                     display_name="Lan", unit_id="so-xd", at=now)
        drafts = [
            _draft("a", now, recipient_member_id=member.id),
            _draft("b", now + timedelta(hours=2), channel="zalo", chat_id="z-9",
                   kind="broadcast", group_key=None, payload={"text": "b"}),
        ]
        assert await enqueue_many(session, drafts, at=now) == 2
    a, b = await _rows(sessionmaker)
    assert (a.key, a.channel, a.chat_id, a.payload, a.kind, a.group_key) == (
        "a", "telegram", "42", PAYLOAD, "reminder", "rem:bn/I.1/2023-07-05"
    )
    assert (a.recipient_member_id, a.status, a.attempts, a.next_attempt_at, a.created_at) == (
        member.id, "pending", 0, now, now
    )
    assert (b.channel, b.chat_id, b.payload, b.kind, b.group_key) == (
        "zalo", "z-9", {"text": "b"}, "broadcast", None
    )
    assert b.next_attempt_at == now + timedelta(hours=2)


async def test_enqueue_many_queues_each_key_once(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    first = [_draft(f"k{i}", now) for i in range(5)]
    again = [_draft(f"k{i}", now, payload={"text": "later"}) for i in range(3, 8)]
    async with sessionmaker.begin() as session:
        assert await enqueue_many(session, first, at=now) == 5
        assert await enqueue_many(session, [], at=now) == 0
    async with sessionmaker.begin() as session:
        assert await enqueue_many(session, first, at=now) == 0
        assert await enqueue_many(session, again, at=now) == 3
        # A key twice in one call: the first one wins.
        twice = [_draft("x", now, chat_id="1"), _draft("x", now, chat_id="2")]
        assert await enqueue_many(session, twice, at=now) == 1
    rows = {row.key: row for row in await _rows(sessionmaker)}
    assert sorted(rows) == [*(f"k{i}" for i in range(8)), "x"]
    assert rows["k3"].payload == PAYLOAD and rows["k7"].payload == {"text": "later"}
    assert rows["x"].chat_id == "1"


async def test_racing_ticks_queue_each_key_once(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    # Two processes replaying the same reminder tick, with overlapping drafts.
    async def tick(keys: range) -> int:
        async with sessionmaker.begin() as session:
            return await enqueue_many(session, [_draft(f"k{i}", now) for i in keys], at=now)

    counts = await asyncio.gather(tick(range(0, 300)), tick(range(100, 400)))
    assert sum(counts) == 400
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 400


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_enqueue_many_takes_a_province_wide_reminder(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    # 22,000 officers; the time is printed (pytest -s), benchmarks keep the numbers.
    drafts = [_draft(f"rem:bn/I.1/2023-07-05/m{i}", now, chat_id=str(100_000 + i))
              for i in range(22_000)]
    started = time.perf_counter()
    async with sessionmaker.begin() as session:
        assert await enqueue_many(session, drafts, at=now) == 22_000
    first = time.perf_counter() - started
    started = time.perf_counter()
    async with sessionmaker.begin() as session:
        assert await enqueue_many(session, drafts, at=now) == 0
    again = time.perf_counter() - started
    print(f"enqueue_many 22,000 rows on SQLite: {first:.2f} s new, {again:.2f} s again")

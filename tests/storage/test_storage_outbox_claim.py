"""Claiming outbox rows under a lease: due rows once, to one worker at a time; a
crashed worker's rows taken over once its lease runs out, and its late word refused."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import OutboxMessage
from storage.outbox import (
    OutboxDraft,
    cancel_group,
    claim,
    enqueue_many,
    mark_failed,
    mark_retry,
    mark_sent,
    outbox_counts,
    outbox_depth,
    sent_keys,
    still_claimed,
)

LEASE = timedelta(minutes=2)
Sessions = async_sessionmaker[AsyncSession]


def _draft(key: str, not_before: datetime, **changes: Any) -> OutboxDraft:
    fields: dict[str, Any] = {
        "key": key, "channel": "telegram", "chat_id": key, "payload": {"text": key},
        "not_before": not_before, "kind": "reminder", "group_key": None,
    }
    return OutboxDraft(**{**fields, **changes})


async def _queue(sessionmaker: Sessions, drafts: Sequence[OutboxDraft], at: datetime) -> None:
    async with sessionmaker.begin() as session:
        await enqueue_many(session, drafts, at=at)


async def _claim(
    sessionmaker: Sessions, owner: str, now: datetime, limit: int = 10, **options: Any
) -> list[str]:
    async with sessionmaker.begin() as session:
        rows = await claim(session, owner=owner, now=now, limit=limit, lease=LEASE, **options)
        return [row.key for row in rows]


async def _row(sessionmaker: Sessions, key: str) -> OutboxMessage:
    async with sessionmaker() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
    assert row is not None
    return row


async def test_claim_takes_due_rows_oldest_first(sessionmaker: Sessions, now: datetime) -> None:
    await _queue(sessionmaker, [
        _draft("late", now - timedelta(minutes=1)),
        _draft("early", now - timedelta(minutes=5)),
        _draft("same-time-1", now - timedelta(minutes=1)),
        _draft("exactly-now", now),
        _draft("future", now + timedelta(seconds=1)),
    ], at=now - timedelta(hours=1))
    async with sessionmaker.begin() as session:
        rows = await claim(session, owner="w1", now=now, limit=3, lease=LEASE)
        assert [row.key for row in rows] == ["early", "late", "same-time-1"]
        assert {(r.status, r.claimed_by, r.lease_until, r.attempts, r.updated_at)
                for r in rows} == {("sending", "w1", now + LEASE, 1, now)}
    # Held under a lease: the next claim gets what is left and due, nothing twice.
    assert await _claim(sessionmaker, "w2", now) == ["exactly-now"]
    assert await _claim(sessionmaker, "w2", now + LEASE - timedelta(seconds=1)) == ["future"]
    assert await _claim(sessionmaker, "w2", now, limit=0) == []


async def test_claim_by_channel(sessionmaker: Sessions, now: datetime) -> None:
    await _queue(sessionmaker, [_draft("t", now), _draft("z", now, channel="zalo")], at=now)
    assert await _claim(sessionmaker, "w1", now, channels=[]) == []
    assert await _claim(sessionmaker, "w1", now, channels=["zalo", "local"]) == ["z"]
    assert await _claim(sessionmaker, "w1", now, channels=None) == ["t"]


async def test_sent_retry_failed(sessionmaker: Sessions, now: datetime) -> None:
    await _queue(sessionmaker, [_draft(key, now) for key in ("ok", "again", "bad")], at=now)
    async with sessionmaker.begin() as session:
        ids = {row.key: row.id for row in await claim(session, owner="w1", now=now,
                                                       limit=3, lease=LEASE)}
    later = now + timedelta(seconds=5)
    retry_at = now + timedelta(minutes=10)
    async with sessionmaker.begin() as session:
        assert await mark_sent(session, ids["ok"], owner="w1", at=later)
        assert await mark_retry(session, ids["again"], owner="w1", at=later,
                                next_attempt_at=retry_at, error="timeout")
        assert await mark_failed(session, ids["bad"], owner="w1", at=later, error="blocked")
        # Each outcome is final for this claim: a second word on it is refused.
        assert not await mark_sent(session, ids["bad"], owner="w1", at=later)
        assert not await mark_failed(session, ids["ok"], owner="w1", at=later, error="x")
        assert not await mark_sent(session, ids["again"], owner="w1", at=later)
        assert not await mark_sent(session, 10_000, owner="w1", at=later)

    ok, again, bad = [await _row(sessionmaker, key) for key in ("ok", "again", "bad")]
    assert (ok.status, ok.sent_at, ok.claimed_by, ok.lease_until, ok.updated_at) == (
        "sent", later, "w1", None, later
    )
    assert (again.status, again.next_attempt_at, again.last_error, again.claimed_by,
            again.lease_until, again.attempts) == (
        "pending", retry_at, "timeout", None, None, 1
    )
    assert (bad.status, bad.last_error, bad.sent_at, bad.lease_until) == (
        "failed", "blocked", None, None
    )
    # The retry waits for its time, then goes to whoever claims first.
    assert await _claim(sessionmaker, "w2", retry_at - timedelta(seconds=1)) == []
    assert await _claim(sessionmaker, "w2", retry_at) == ["again"]
    assert (await _row(sessionmaker, "again")).attempts == 2


async def test_rows_in_the_session_follow_their_marks(
    sessionmaker: Sessions, now: datetime
) -> None:
    await _queue(sessionmaker, [_draft("a", now, group_key="g"), _draft("b", now, group_key="g"),
                                _draft("c", now, group_key="g")], at=now)
    async with sessionmaker.begin() as session:
        a, b = await claim(session, owner="w1", now=now, limit=2, lease=LEASE)
        await mark_sent(session, a.id, owner="w1", at=now)
        await mark_retry(session, b.id, owner="w1", at=now, next_attempt_at=now, error="x")
        c = await session.scalar(select(OutboxMessage).where(OutboxMessage.key == "c"))
        assert c is not None and c.status == "pending"
        await cancel_group(session, "g", at=now)
        assert (a.status, a.lease_until, b.status, b.claimed_by, c.status) == (
            "sent", None, "cancelled", None, "cancelled"
        )


async def test_an_expired_lease_is_taken_over(sessionmaker: Sessions, now: datetime) -> None:
    await _queue(sessionmaker, [_draft("m", now)], at=now)
    async with sessionmaker.begin() as session:
        [row] = await claim(session, owner="crashed", now=now, limit=5, lease=LEASE)
    # Up to the end of the lease the row is the first worker's...
    assert await _claim(sessionmaker, "w2", now + LEASE) == []
    # ...then anyone's: a worker that died mid-send does not lose the message.
    takeover = now + LEASE + timedelta(microseconds=1)
    assert await _claim(sessionmaker, "w2", takeover) == ["m"]
    taken = await _row(sessionmaker, "m")
    assert (taken.claimed_by, taken.lease_until, taken.attempts) == ("w2", takeover + LEASE, 2)

    async with sessionmaker.begin() as session:
        # The stale worker wakes up: whatever it says, the row is no longer its own.
        assert not await mark_sent(session, row.id, owner="crashed", at=takeover)
        assert not await mark_retry(session, row.id, owner="crashed", at=takeover,
                                    next_attempt_at=takeover, error="late")
        assert not await mark_failed(session, row.id, owner="crashed", at=takeover,
                                     error="late")
        assert await mark_sent(session, row.id, owner="w2", at=takeover)
    assert (await _row(sessionmaker, "m")).status == "sent"


async def test_sent_past_the_lease_but_not_taken_over(
    sessionmaker: Sessions, now: datetime
) -> None:
    await _queue(sessionmaker, [_draft("slow", now)], at=now)
    async with sessionmaker.begin() as session:
        [row] = await claim(session, owner="w1", now=now, limit=1, lease=LEASE)
    async with sessionmaker.begin() as session:
        # It was sent; saying so late still beats sending it a second time.
        assert await mark_sent(session, row.id, owner="w1", at=now + 2 * LEASE)
    assert await _claim(sessionmaker, "w2", now + 3 * LEASE) == []


async def test_cancel_group_and_counts(sessionmaker: Sessions, now: datetime) -> None:
    group = "broadcast:7"
    await _queue(sessionmaker, [
        *(_draft(f"b{i}", now, group_key=group, kind="broadcast") for i in range(4)),
        _draft("other", now, group_key="broadcast:8"),
    ], at=now)
    async with sessionmaker.begin() as session:
        [first] = await claim(session, owner="w1", now=now, limit=1, lease=LEASE)
        assert await outbox_counts(session, group) == {
            "pending": 3, "sending": 1, "sent": 0, "failed": 0, "cancelled": 0
        }
    async with sessionmaker.begin() as session:
        # The claimed row is cancelled too: its worker must not start sending it …
        assert await still_claimed(session, first.id, owner="w1")
        assert await cancel_group(session, group, at=now) == 4
        assert await cancel_group(session, group, at=now) == 0
        assert not await still_claimed(session, first.id, owner="w1")
        # … but if it was already in flight, it went out, and the counts say so.
        assert await mark_sent(session, first.id, owner="w1", at=now)
        assert not await mark_sent(session, first.id, owner="w2", at=now)
    async with sessionmaker() as session:
        assert await outbox_counts(session, group) == {
            "pending": 0, "sending": 0, "sent": 1, "failed": 0, "cancelled": 3
        }
        assert await outbox_counts(session) == {
            "pending": 1, "sending": 0, "sent": 1, "failed": 0, "cancelled": 3
        }
        assert (await outbox_counts(session, "nothing"))["pending"] == 0
    assert await _claim(sessionmaker, "w2", now) == ["other"]


async def test_depth_counts_what_a_claim_could_take(
    sessionmaker: Sessions, now: datetime
) -> None:
    async with sessionmaker() as session:
        assert await outbox_depth(session, now=now) == (0, None)
    queued = now - timedelta(hours=1)
    await _queue(sessionmaker, [_draft("old", now)], at=queued)
    await _queue(sessionmaker, [_draft("new", now), _draft("later", now + timedelta(days=1))],
                 at=now)
    async with sessionmaker() as session:
        assert await outbox_depth(session, now=now) == (2, queued)
    await _claim(sessionmaker, "w1", now, limit=1)
    async with sessionmaker() as session:
        assert await outbox_depth(session, now=now) == (1, now)
        # A lease that ran out puts its row back in the backlog.
        assert await outbox_depth(session, now=now + 2 * LEASE) == (2, queued)


async def test_sent_keys_match_the_prefix_exactly(sessionmaker: Sessions, now: datetime) -> None:
    keys = ["rem:p/I.1/a", "rem:p/I.1/b", "REM:p/I.1/c", "rem:p/I.10/a", "rem:p_I.1/d",
            "rem:p/I.1/pending"]
    await _queue(sessionmaker, [_draft(key, now) for key in keys], at=now)
    async with sessionmaker.begin() as session:
        for row in await claim(session, owner="w", now=now, limit=10, lease=LEASE):
            if row.key != "rem:p/I.1/pending":
                await mark_sent(session, row.id, owner="w", at=now)
    async with sessionmaker() as session:
        assert await sent_keys(session, "rem:p/I.1/") == {"rem:p/I.1/a", "rem:p/I.1/b"}
        assert await sent_keys(session, "rem:p_") == {"rem:p_I.1/d"}
        assert await sent_keys(session, "rem:p%") == set()
        assert len(await sent_keys(session, "")) == 5


async def test_claimers_racing_take_each_row_once(sessionmaker: Sessions, now: datetime) -> None:
    await _queue(sessionmaker, [_draft(f"m{i:03}", now) for i in range(60)], at=now)
    taken: list[str] = []
    for _ in range(4):
        rounds = await asyncio.gather(*(_claim(sessionmaker, f"w{n}", now, limit=5)
                                        for n in range(3)))
        taken += [key for keys in rounds for key in keys]
    assert len(taken) == len(set(taken)) == 60


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_open_claims_on_postgresql_skip_each_others_rows(
    sessionmaker: Sessions, now: datetime
) -> None:
    # Both transactions stay open until both have claimed: the second one must skip
    # the rows the first one holds, not wait for them and not take them too.
    for attempt in range(5):
        base = now + timedelta(seconds=attempt)  # earlier rounds stay leased
        await _queue(sessionmaker, [_draft(f"r{attempt}-{i}", base) for i in range(10)], at=base)
        both_claimed = asyncio.Barrier(2)

        async def take(owner: str, base: datetime = base,
                       both_claimed: asyncio.Barrier = both_claimed) -> set[str]:
            async with sessionmaker.begin() as session:
                rows = await claim(session, owner=owner, now=base, limit=6, lease=LEASE)
                await both_claimed.wait()
                return {row.key for row in rows}

        first, second = await asyncio.wait_for(asyncio.gather(take("a"), take("b")), 10)
        assert not first & second
        assert len(first) <= 6 and len(second) <= 6
        rest = set(await _claim(sessionmaker, "c", base, limit=20))
        assert first | second | rest == {f"r{attempt}-{i}" for i in range(10)}
        assert not rest & (first | second)

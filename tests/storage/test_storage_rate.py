"""The shared send rate: a token bucket per channel, in the database, with time
passed in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.rate import take_slot

Sessions = async_sessionmaker[AsyncSession]


async def _take(
    sessionmaker: Sessions, at: datetime, *, rate: float = 2.0, burst: float = 3.0,
    channel: str = "telegram",
) -> float:
    async with sessionmaker.begin() as session:
        return await take_slot(session, channel, now=at, rate_per_second=rate, burst=burst)


async def test_a_new_bucket_is_full_then_runs_dry(sessionmaker: Sessions, now: datetime) -> None:
    assert [await _take(sessionmaker, now) for _ in range(3)] == [0.0, 0.0, 0.0]
    # Empty at 2 tokens a second: the next token is half a second away.
    assert await _take(sessionmaker, now) == pytest.approx(0.5)
    # Asking does not take anything: the same answer again.
    assert await _take(sessionmaker, now) == pytest.approx(0.5)
    assert await _take(sessionmaker, now + timedelta(seconds=0.2)) == pytest.approx(0.3)
    assert await _take(sessionmaker, now + timedelta(seconds=0.5)) == 0.0
    assert await _take(sessionmaker, now + timedelta(seconds=0.5)) == pytest.approx(0.5)


async def test_refill_is_capped_at_the_burst(sessionmaker: Sessions, now: datetime) -> None:
    for _ in range(3):
        await _take(sessionmaker, now)
    idle = now + timedelta(hours=1)
    assert [await _take(sessionmaker, idle) for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]


async def test_fractions_add_up(sessionmaker: Sessions, now: datetime) -> None:
    # One send a second, burst 1: a token every second, none in between.
    assert await _take(sessionmaker, now, rate=1, burst=1) == 0.0
    quarter = now + timedelta(seconds=0.25)
    assert await _take(sessionmaker, quarter, rate=1, burst=1) == pytest.approx(0.75)
    assert await _take(sessionmaker, now + timedelta(seconds=0.75), rate=1, burst=1) \
        == pytest.approx(0.25)
    assert await _take(sessionmaker, now + timedelta(seconds=1), rate=1, burst=1) == 0.0


async def test_a_clock_behind_refills_nothing(sessionmaker: Sessions, now: datetime) -> None:
    # Another process's clock runs a second behind: no error, no tokens from the past.
    assert await _take(sessionmaker, now, rate=1, burst=1) == 0.0
    behind = now - timedelta(seconds=1)
    assert await _take(sessionmaker, behind, rate=1, burst=1) == pytest.approx(1.0)
    # The bucket's time did not go back: a second after `now`, not after `behind`.
    assert await _take(sessionmaker, now + timedelta(seconds=1), rate=1, burst=1) == 0.0


async def test_channels_have_buckets_of_their_own(sessionmaker: Sessions, now: datetime) -> None:
    assert await _take(sessionmaker, now, rate=1, burst=1) == 0.0
    assert await _take(sessionmaker, now, rate=1, burst=1) == pytest.approx(1.0)
    assert await _take(sessionmaker, now, rate=1, burst=1, channel="zalo") == 0.0


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0.5)])
async def test_nonsense_limits_are_refused(
    sessionmaker: Sessions, now: datetime, rate: float, burst: float
) -> None:
    with pytest.raises(ValueError, match="rate_per_second"):
        await _take(sessionmaker, now, rate=rate, burst=burst)


async def test_racing_processes_share_the_last_token(
    sessionmaker: Sessions, now: datetime
) -> None:
    for second in range(1, 6):
        at = now + timedelta(seconds=second)
        # Exactly one token has come back since the last round emptied the bucket.
        results = await asyncio.gather(*(_take(sessionmaker, at, rate=1, burst=1)
                                         for _ in range(3)))
        assert sorted(results) == [0.0, 1.0, 1.0]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_waiting_process_sees_the_token_taken(
    sessionmaker: Sessions, now: datetime, lock_waiter: Callable[[], Awaitable[None]]
) -> None:
    assert await _take(sessionmaker, now, rate=1, burst=1) == 0.0
    at = now + timedelta(seconds=1)
    async with sessionmaker.begin() as session:
        assert await take_slot(session, "telegram", now=at, rate_per_second=1, burst=1) == 0.0
        # The second process reads the bucket only once the first one has committed.
        second = asyncio.ensure_future(_take(sessionmaker, at, rate=1, burst=1))
        await lock_waiter()
        assert not second.done()
    assert await asyncio.wait_for(second, 5) == pytest.approx(1.0)

"""Durable sending: drain the outbox with the platform's rate limit, retries with
backoff, and one recorded outcome per row.

Rows are claimed with a lease (``storage.outbox.claim``): on PostgreSQL several
processes drain one outbox without ever taking the same row, and a worker that dies
mid-send leaves its rows to be taken over once the lease runs out — so a crash can
repeat at most the message that was in flight. The send rate is a token bucket in
the database, because the platform's limit is per bot token, not per process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import metrics
from storage import outbox as outbox_store
from storage import rate as rate_store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]

BATCH = 20
LEASE = timedelta(minutes=2)
LEASE_SAFETY = 0.75  # stop sending from a batch once this share of its lease is used
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(minutes=30)


class Failure(StrEnum):
    """Why a message could not be delivered, as the admin is told (stored on the row)."""

    BLOCKED = "blocked"  # the person blocked the bot
    REMOVED = "removed"  # the bot was removed from the group, or the group is gone
    DEACTIVATED = "deactivated"  # the account no longer exists
    UNREACHABLE = "unreachable"  # refused for good, no reason given
    REJECTED = "rejected"  # the platform refused the message itself (bad request)
    GAVE_UP = "gave_up"  # still failing after every retry


@dataclass(frozen=True)
class Sent:
    pass


@dataclass(frozen=True)
class Retry:
    """Try again later: a timeout, a 5xx, or the platform asked to wait (``after``)."""

    error: str
    after: float | None = None  # seconds, when the platform said how long
    pause_all: bool = False  # a 429: every send waits, not just this one


@dataclass(frozen=True)
class Gone:
    """The recipient refuses for good (blocked the bot, removed it from the group)."""

    error: str
    reason: Failure = Failure.UNREACHABLE


@dataclass(frozen=True)
class Failed:
    """Our message is wrong (bad request): retrying cannot help."""

    error: str


Outcome = Sent | Retry | Gone | Failed


class OutboxChannel(Protocol):
    async def deliver(self, chat_id: str, payload: dict[str, Any]) -> Outcome: ...

    async def unreachable(self, chat_id: str) -> None: ...


@dataclass(frozen=True)
class _Label:
    """What the metrics need of a row: its kind, and when it was meant to go."""

    kind: str
    scheduled: datetime


def _scheduled(attempts: int, next_attempt_at: datetime, created_at: datetime) -> datetime:
    """When a row was meant to go: on its first claim ``next_attempt_at`` is still the
    time it was queued for (a reminder's send time, even one caught up after
    downtime); a retry has moved it, and then the time it was queued is what is left
    (a little late for a caught-up reminder, never early)."""
    return next_attempt_at if attempts <= 1 else created_at


def backoff(attempt: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=5 * 2 ** max(0, attempt - 1)))


class OutboxWorker:
    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 channels: Mapping[str, OutboxChannel], *, clock: Clock, owner: str,
                 rate_per_second: float, sleep: Sleep = asyncio.sleep,
                 batch: int = BATCH, lease: timedelta = LEASE,
                 group_key: str | None = None, wake: asyncio.Event | None = None) -> None:
        """``group_key``: send only that broadcast's (or occurrence's) rows. ``wake``:
        set by whoever queues messages (a tick, a broadcast), so they go at once
        rather than at the next idle look."""
        self.sessions = sessions
        self.channels = dict(channels)
        self.clock = clock
        self.owner = owner
        self.rate = rate_per_second
        self.sleep = sleep
        self.batch = batch
        self.lease = lease
        self.group_key = group_key
        self.wake = wake if wake is not None else asyncio.Event()
        self._paused_until: datetime | None = None

    async def run(self, stop: asyncio.Event, idle: float = 5.0) -> None:
        """Drain, then wait for a wake-up (a tick enqueued) or ``idle`` seconds."""
        while not stop.is_set():
            # Cleared before draining, not after: a message queued while the drain
            # runs must wake the next round, not wait out the idle time.
            self.wake.clear()
            try:
                await self.drain(stop)
            except Exception:
                log.exception("outbox: drain failed; trying again shortly")
            waiter = asyncio.ensure_future(self.wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            _, pending = await asyncio.wait({waiter, stopper}, timeout=idle,
                                            return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()

    async def drain(self, stop: asyncio.Event | None = None) -> int:
        """Send everything due now — or, once ``stop`` is set, nothing more: the rest of
        a batch is handed back for the next start (a shutdown must not wait for a
        broadcast of 10,000 to finish). The number of rows handled."""
        handled = 0
        while True:
            claimed_at = self.clock()
            async with self.sessions.begin() as session:
                rows = await outbox_store.claim(
                    session, owner=self.owner, now=claimed_at, limit=self.batch,
                    lease=self.lease, channels=list(self.channels),
                    group_key=self.group_key)
                claimed = [(r.id, r.channel, r.chat_id, dict(r.payload), r.attempts,
                            _Label(r.kind, _scheduled(r.attempts, r.next_attempt_at,
                                                      r.created_at)))
                           for r in rows]
            if not claimed:
                return handled
            # Past this point another worker may take the rows over: hand back what
            # is left rather than risk sending a message twice.
            deadline = claimed_at + self.lease * LEASE_SAFETY
            for index, row in enumerate(claimed):
                stopping = stop is not None and stop.is_set()
                if stopping or not await self._send(*row, deadline=deadline):
                    await self._release([r[0] for r in claimed[index:]],
                                        "handed back at shutdown" if stopping
                                        else "lease ran short")
                    if stopping:
                        return handled
                    break
                handled += 1

    async def _release(self, row_ids: list[int], reason: str) -> None:
        now = self.clock()
        async with self.sessions.begin() as session:
            for row_id in row_ids:
                await outbox_store.mark_retry(session, row_id, owner=self.owner, at=now,
                                              next_attempt_at=now, error=reason)

    async def _wait_for_slot(self, channel: str) -> None:
        """One send's worth of the channel's rate limit (shared by every process: the
        platform counts per bot token)."""
        while True:
            now = self.clock()
            if self._paused_until and now < self._paused_until:
                await self.sleep((self._paused_until - now).total_seconds())
                continue
            async with self.sessions.begin() as session:
                wait = await rate_store.take_slot(session, channel, now=now,
                                                  rate_per_second=self.rate,
                                                  burst=max(1.0, self.rate))
            if wait <= 0:
                return
            await self.sleep(wait)

    async def _send(self, row_id: int, channel: str, chat_id: str, payload: dict[str, Any],
                    attempts: int, label: _Label, *, deadline: datetime) -> bool:
        """Send one row and record the outcome; False (nothing sent) when waiting for
        the rate limit took it past its lease."""
        await self._wait_for_slot(channel)
        if self.clock() >= deadline:
            return False
        async with self.sessions() as session:
            if not await outbox_store.still_claimed(session, row_id, owner=self.owner):
                return True  # cancelled meanwhile (a stopped broadcast): nothing to send
        try:
            outcome = await self.channels[channel].deliver(chat_id, payload)
        except Exception as problem:  # a bug in a channel must not stop the outbox
            log.exception("outbox: delivering row %s failed", row_id)
            outcome = Retry(repr(problem))
        now = self.clock()
        async with self.sessions.begin() as session:
            match outcome:
                case Sent():
                    await outbox_store.mark_sent(session, row_id, owner=self.owner, at=now)
                    metrics.SENT.inc(channel=channel, kind=label.kind)
                    if label.kind == "reminder":
                        metrics.REMINDER_LAG.observe(
                            max(0.0, (now - label.scheduled).total_seconds()))
                case Retry(error=reason, after=after, pause_all=pause_all):
                    if pause_all and after:
                        self._paused_until = now + timedelta(seconds=after)
                    if attempts >= MAX_ATTEMPTS:
                        await outbox_store.mark_failed(session, row_id, owner=self.owner,
                                                       at=now, error=f"gave up: {reason}",
                                                       failure=Failure.GAVE_UP)
                        metrics.FAILED.inc(channel=channel, kind=label.kind)
                    else:
                        metrics.RETRIED.inc(channel=channel, kind=label.kind)
                        delay = timedelta(seconds=after) if after else backoff(attempts)
                        await outbox_store.mark_retry(session, row_id, owner=self.owner,
                                                      at=now, next_attempt_at=now + delay,
                                                      error=reason)
                case Gone(error=reason, reason=failure):
                    await outbox_store.mark_failed(session, row_id, owner=self.owner,
                                                   at=now, error=reason, failure=failure)
                    metrics.FAILED.inc(channel=channel, kind=label.kind)
                case Failed(error=reason):
                    await outbox_store.mark_failed(session, row_id, owner=self.owner,
                                                   at=now, error=reason,
                                                   failure=Failure.REJECTED)
                    metrics.FAILED.inc(channel=channel, kind=label.kind)
        if isinstance(outcome, Gone):
            await self.channels[channel].unreachable(chat_id)
        return True

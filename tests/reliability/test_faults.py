"""Faults: the fake Bot API answers 429, 500, slow answers, connection resets and 403
at random (seeded) rates, and the database is locked for a moment: the bot keeps
answering, retries, and delivers everything deliverable exactly once."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import threading
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.members import MemberRole
from storage.members import get_member
from storage.models import OutboxMessage
from storage.outbox import outbox_counts
from tests.conversation_kit import outbox_delivered
from tests.fakes.telegram_faults import FaultKind
from tests.telegram_harness import HANOI, Harness, say, telegram_bot
from tests.test_telegram_broadcasts import admin_presses, compose

UNITS = ("so-tp", "so-yt", "ubnd-h-gia-binh", "to-cg-1")
MEMBERS = [1000 + i for i in range(40)]
BLOCKED = {MEMBERS[3], MEMBERS[17]}
WHEN = datetime(2023, 8, 17, 9, 0, tzinfo=HANOI)  # before-3 reminders for 22/08
KINDS: list[FaultKind | None] = [None, "retry_after", "server_error", "slow", "drop"]
WEIGHTS = [60, 10, 10, 10, 10]
MAX_IN_A_ROW = 3  # below the interactive sender's 5 attempts and the outbox's 8


class Chaos:
    """Per chat, a seeded sequence of answers to sendMessage (per chat, so the
    sequence does not depend on how the bot interleaves its sends)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rngs: dict[str, random.Random] = {}
        self.in_a_row: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()

    def __call__(self, method: str, params: dict[str, Any]) -> FaultKind | None:
        if method != "sendMessage":
            return None
        chat = str(params.get("chat_id"))
        if int(chat) in BLOCKED:
            self.injected["forbidden"] += 1
            return "forbidden"
        rng = self.rngs.setdefault(chat, random.Random(f"{self.seed}:{chat}"))
        kind = rng.choices(KINDS, WEIGHTS)[0]
        if kind is not None and kind != "slow" and self.in_a_row[chat] >= MAX_IN_A_ROW:
            kind = None
        self.in_a_row[chat] = self.in_a_row[chat] + 1 if kind not in (None, "slow") else 0
        if kind is not None:
            self.injected[kind] += 1
        return kind


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[Harness]:
    async with telegram_bot(tmp_path) as harness:
        harness.clock.now = WHEN
        for index, user in enumerate(MEMBERS):
            await harness.app.services.enroll(
                "telegram", str(user), unit_id=UNITS[index % len(UNITS)],
                role=MemberRole.OFFICER, at=harness.clock(), display_name=f"Cán bộ {user}",
                chat_id=str(user))
        yield harness


async def queue_reminders_and_a_broadcast(tg: Harness) -> None:
    assert (await tg.app.usecases.reminders.tick(WHEN)).enqueued > 0
    number = await compose(tg, "Khẩn: nộp báo cáo quý III trước 16h.")
    await admin_presses(tg, f"bc:a:{number}:all")
    await admin_presses(tg, f"bc:go:{number}")


async def drain_until_settled(tg: Harness) -> None:
    """Drain, moving the clock past every retry's backoff, until nothing is left."""
    worker = tg.service.scheduler.worker
    for _ in range(60):
        await outbox_delivered(tg.app, worker.drain)
        async with tg.app.sessions() as session:
            counts = await outbox_counts(session)
        if not counts["pending"] and not counts["sending"]:
            return
        tg.clock.advance(timedelta(minutes=10))
    raise AssertionError(f"the outbox never emptied: {counts}")


async def rows(tg: Harness) -> list[OutboxMessage]:
    async with tg.app.sessions() as session:
        return list((await session.scalars(select(OutboxMessage))).all())


def ok_sends(tg: Harness) -> Counter[str]:
    return Counter(str(call.params["chat_id"]) for call in tg.api.calls_to("sendMessage")
                   if call.ok)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_platform_faults(tg: Harness, seed: int) -> None:
    await queue_reminders_and_a_broadcast(tg)
    before = ok_sends(tg)
    chaos = Chaos(seed)
    tg.api.chaos = chaos
    asking = [user for user in MEMBERS if user not in BLOCKED]
    worker = tg.service.scheduler.worker
    for index, user in enumerate(asking):  # people write while the outbox drains
        await say(tg, user, "/help" if index % 2 else "/due")
        if index % 5 == 0:
            await worker.drain()
    await tg.settled()
    await drain_until_settled(tg)
    await tg.settled()
    tg.api.chaos = None

    outbox = await rows(tg)
    statuses = Counter(row.status for row in outbox)
    assert not statuses["pending"] and not statuses["sending"]
    assert {int(row.chat_id) for row in outbox if row.status == "failed"} == BLOCKED
    sent_rows = Counter(row.chat_id for row in outbox if row.status == "sent")
    got = ok_sends(tg) - before
    # A drop carries nothing out, a slow answer carries it out once: exactly once.
    for user in asking:
        assert got[str(user)] == sent_rows[str(user)] + 1, (user, chaos.injected)
        assert sent_rows[str(user)] >= 1  # the broadcast, and a reminder if the unit owes one
    for user in BLOCKED:
        assert got[str(user)] == 0
        async with tg.app.sessions() as session:
            member = await get_member(session, "telegram", str(user))
        assert member is not None and not member.active
    assert chaos.injected["retry_after"] and chaos.injected["server_error"]
    assert chaos.injected["drop"] and chaos.injected["forbidden"]
    print(f"seed {seed}: {sum(sent_rows.values())} outbox messages, "
          f"{len(asking)} answers, faults {dict(chaos.injected)}, duplicates 0")


def hold_write_lock(path: Path, seconds: float, held: threading.Event) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        held.set()
        threading.Event().wait(seconds)
        connection.execute("ROLLBACK")
    finally:
        connection.close()


async def test_a_locked_database_for_a_moment(tg: Harness, tmp_path: Path) -> None:
    await queue_reminders_and_a_broadcast(tg)
    held = threading.Event()
    locker = threading.Thread(target=hold_write_lock, args=(tmp_path / "bot.db", 0.5, held))
    locker.start()
    assert await asyncio.to_thread(held.wait, 5)
    user = MEMBERS[0]
    count = len(tg.api.sent_messages(user))
    await say(tg, user, "/help")
    await outbox_delivered(tg.app, tg.service.scheduler.worker.drain)
    await tg.settled()
    await asyncio.to_thread(locker.join)
    await drain_until_settled(tg)
    assert len(tg.api.sent_messages(user)) > count  # answered once the lock went
    outbox = await rows(tg)
    assert {row.status for row in outbox} == {"sent"}
    sent_rows = Counter(row.chat_id for row in outbox)
    got = ok_sends(tg)
    for member in MEMBERS[1:]:
        assert got[str(member)] == sent_rows[str(member)]


async def test_the_worker_survives_a_database_outage(tg: Harness,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    from storage import outbox as outbox_store
    real_claim = outbox_store.claim
    failures = [3]

    async def flaky_claim(*args: Any, **kwargs: Any) -> Any:
        if failures[0]:
            failures[0] -= 1
            raise OperationalError("claim", {}, Exception("unable to open database file"))
        return await real_claim(*args, **kwargs)

    monkeypatch.setattr(outbox_store, "claim", flaky_claim)
    await queue_reminders_and_a_broadcast(tg)
    # The service's own worker ran into the outage; wake it until it recovers.
    for _ in range(200):
        if not failures[0]:
            break
        tg.app.services.wake_outbox()
        await asyncio.sleep(0.01)
    assert not failures[0]
    await drain_until_settled(tg)
    outbox = await rows(tg)
    assert {row.status for row in outbox} == {"sent"}
    sent_rows = Counter(row.chat_id for row in outbox)
    got = ok_sends(tg)
    for member in MEMBERS:
        assert got[str(member)] == sent_rows[str(member)]
    task = tg.service.scheduler._worker_task
    assert task is not None and not task.done()  # the service's worker is still running

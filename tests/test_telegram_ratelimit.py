"""Answers to people go before the outbox in the bot's rate limiter, and the outbox
leaves room for them: it takes a slot only while a few more stay free, so an answer
finds one at once. The bucket and the wait are the test's: no real clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.channels.telegram.ratelimit import JSONResult, PriorityRateLimiter, SendPriority


@dataclass
class Bucket:
    """Telegram's overall limit as a bucket of ``max_rate`` slots that only drains when
    the test says so (``leak``)."""

    max_rate: float = 10
    level: float = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def has_capacity(self, amount: float = 1) -> bool:
        return self.level + amount <= self.max_rate

    async def acquire(self, amount: float = 1) -> None:
        while not self.has_capacity(amount):
            self.changed.clear()
            await self.changed.wait()
        self.level += amount

    def leak(self, slots: float = 1) -> None:
        self.level = max(0.0, self.level - slots)
        self.changed.set()


@dataclass
class World:
    bucket: Bucket
    limiter: PriorityRateLimiter
    sent: list[str] = field(default_factory=list)
    looks: list[float] = field(default_factory=list)  # the outbox's waits for room

    def request(self, name: str, priority: SendPriority | None) -> asyncio.Task[JSONResult]:
        async def send() -> JSONResult:
            self.sent.append(name)
            return True
        return asyncio.create_task(self.limiter.process_request(
            send, (), {}, "sendMessage", {"chat_id": 1, "text": name}, priority))


def world(level: float) -> World:
    bucket = Bucket(level=level)
    looks: list[float] = []

    async def look_later(seconds: float) -> None:
        looks.append(seconds)
        await asyncio.sleep(0)

    return World(bucket, PriorityRateLimiter(overall=bucket, reserve=3, sleep=look_later),
                 looks=looks)


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_the_outbox_leaves_room_for_answers() -> None:
    w = world(level=6)  # 4 of 10 slots free: room for the outbox and its reserve of 3
    outbox = w.request("outbox-1", SendPriority.BACKGROUND)
    await settle()
    assert w.sent == ["outbox-1"] and w.bucket.level == 7
    # Now only 3 are free, the reserve: the outbox waits; a person does not.
    second = w.request("outbox-2", SendPriority.BACKGROUND)
    answer = w.request("answer", None)
    await settle()
    assert w.sent == ["outbox-1", "answer"] and not second.done()
    assert w.looks and w.looks[0] == 1 / w.bucket.max_rate  # it looks again a slot later
    w.bucket.leak(2)  # two slots drain: 4 free again
    await settle()
    assert w.sent == ["outbox-1", "answer", "outbox-2"]
    assert all(t.done() for t in (outbox, second, answer))


async def test_an_answer_waiting_for_a_full_bucket_goes_first() -> None:
    w = world(level=10)  # full
    answer = w.request("answer", None)
    await settle()
    outbox = w.request("outbox", SendPriority.BACKGROUND)
    await settle()
    assert w.sent == []
    w.bucket.leak(1)
    await settle()
    assert w.sent == ["answer"]  # the one free slot went to the person
    assert not outbox.done()
    w.bucket.leak(5)
    await settle()
    assert w.sent == ["answer", "outbox"] and answer.done() and outbox.done()


async def test_requests_that_are_not_messages_are_not_counted() -> None:
    w = world(level=10)

    async def get_me() -> JSONResult:
        return {"id": 1}

    assert await w.limiter.process_request(get_me, (), {}, "getMe", {}, None) == {"id": 1}
    assert w.bucket.level == 10


async def test_an_answer_given_up_on_does_not_hold_the_outbox_back() -> None:
    w = world(level=10)
    answer = w.request("answer", None)
    await settle()
    answer.cancel()  # e.g. its handler was cancelled at shutdown
    await settle()
    outbox = w.request("outbox", SendPriority.BACKGROUND)
    w.bucket.leak(10)
    await settle()
    assert w.sent == ["outbox"] and outbox.done()

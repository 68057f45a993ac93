"""Answers to people go before the outbox in the bot's rate limiter: an outbox
message does not queue for a slot while an answer is waiting for one."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import AIORateLimiter

from bot.channels.telegram.ratelimit import JSONResult, PriorityRateLimiter, SendPriority


class Gate(AIORateLimiter):
    """A limiter whose slots the test hands out one at a time, first come first served."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: list[asyncio.Future[None]] = []

    async def process_request(self, callback: Any, args: Any, kwargs: dict[str, Any],
                              endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> JSONResult:
        slot: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.queue.append(slot)
        await slot
        return await callback(*args, **kwargs)

    async def grant(self) -> None:
        while self.queue[0].done():  # a request cancelled while it waited
            self.queue.pop(0)
        self.queue.pop(0).set_result(None)
        for _ in range(5):
            await asyncio.sleep(0)


async def test_an_answer_waiting_for_a_slot_goes_before_the_outbox() -> None:
    gate = Gate()
    limiter = PriorityRateLimiter(gate)
    sent: list[str] = []

    def request(name: str, priority: SendPriority | None) -> asyncio.Task[JSONResult]:
        async def send() -> JSONResult:
            sent.append(name)
            return True
        return asyncio.create_task(limiter.process_request(
            send, (), {}, "sendMessage", {"chat_id": 1}, priority))

    first_outbox = request("outbox-1", SendPriority.BACKGROUND)
    await asyncio.sleep(0)
    answer = request("answer", None)
    await asyncio.sleep(0)
    second_outbox = request("outbox-2", SendPriority.BACKGROUND)
    await asyncio.sleep(0)
    # outbox-1 was queued first and keeps its place; outbox-2 waits for the answer.
    assert len(gate.queue) == 2
    await gate.grant()
    await gate.grant()
    assert sent == ["outbox-1", "answer"]
    await gate.grant()
    assert sent == ["outbox-1", "answer", "outbox-2"]
    assert all(t.done() for t in (first_outbox, answer, second_outbox))


async def test_an_answer_given_up_on_does_not_hold_the_outbox_back() -> None:
    gate = Gate()
    limiter = PriorityRateLimiter(gate)

    async def send() -> JSONResult:
        return True

    answer = asyncio.create_task(limiter.process_request(
        send, (), {}, "sendMessage", {"chat_id": 1}, None))
    await asyncio.sleep(0)
    answer.cancel()  # e.g. the update's handler was cancelled at shutdown
    await asyncio.sleep(0)
    outbox = asyncio.create_task(limiter.process_request(
        send, (), {}, "sendMessage", {"chat_id": 2}, SendPriority.BACKGROUND))
    await asyncio.sleep(0)
    await gate.grant()
    assert await outbox is True

"""Telegram's flood limits, with people first.

python-telegram-bot's ``AIORateLimiter`` keeps the bot under Telegram's limits
(about 30 messages a second overall, 20 a minute into one group), first come, first
served. While a broadcast or a reminder occurrence drains at 25 a second and people
ask at 5 a second, that overall bucket stays full, and every answer waits a slot
(one thirtieth of a second) or two: measured, ``/due`` p99 went from 17 ms to 55–75 ms
during a 10,000 broadcast (docs/benchmarks.md, issue 5) — whatever the order of the
queue, since the wait is the bucket refilling.

``PriorityRateLimiter`` takes the overall limit over and keeps headroom for people:
a request marked ``BACKGROUND`` (the outbox's) takes a slot only while the bucket has
room for ``reserve`` more besides it, and never while an answer to a person waits.
The outbox then sends at whatever rate people leave it (30/s minus theirs), and an
answer finds a free slot at once. The per-group limit and the pause after a 429 stay
``AIORateLimiter``'s, which calls back into the overall limit only once those allow
the request, so a slot is never spent on a request still held back by its group.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from enum import Enum
from typing import Any, Protocol

from aiolimiter import AsyncLimiter
from telegram.constants import FloodLimit
from telegram.ext import AIORateLimiter, BaseRateLimiter

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
Callback = Callable[..., Coroutine[Any, Any, JSONResult]]
Sleep = Callable[[float], Awaitable[None]]

RESERVE = 3  # slots kept free for answers: a few people asking in the same instant


class SendPriority(Enum):
    BACKGROUND = "background"  # the outbox: reminders, broadcasts


class Bucket(Protocol):
    """The overall limit: aiolimiter's leaky bucket, or a test's."""

    max_rate: float

    def has_capacity(self, amount: float = 1) -> bool: ...

    async def acquire(self, amount: float = 1) -> None: ...


class PriorityRateLimiter(BaseRateLimiter[SendPriority]):
    def __init__(self, *, overall: Bucket | None = None, reserve: int = RESERVE,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.overall = overall or AsyncLimiter(FloodLimit.MESSAGES_PER_SECOND, 1)
        self.reserve = reserve
        self.sleep = sleep
        # Per group and after a 429 only: the overall limit is ours.
        self.inner = AIORateLimiter(overall_max_rate=0)
        self._people_waiting = 0
        self._no_one_waiting = asyncio.Event()
        self._no_one_waiting.set()

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def process_request(self, callback: Callback, args: Any, kwargs: dict[str, Any],
                              endpoint: str, data: dict[str, Any],
                              rate_limit_args: SendPriority | None) -> JSONResult:
        if data.get("chat_id") is None:  # getMe, setWebhook …: not a message
            return await self.inner.process_request(callback, args, kwargs, endpoint, data,
                                                    None)
        background = rate_limit_args is SendPriority.BACKGROUND

        async def with_slot(*call_args: Any, **call_kwargs: Any) -> JSONResult:
            await (self._background_slot() if background else self._person_slot())
            return await callback(*call_args, **call_kwargs)

        return await self.inner.process_request(with_slot, args, kwargs, endpoint, data, None)

    async def _person_slot(self) -> None:
        self._waiting(+1)
        try:
            await self.overall.acquire()
        finally:
            self._waiting(-1)

    async def _background_slot(self) -> None:
        while True:
            if self._people_waiting:
                await self._no_one_waiting.wait()
            elif not self.overall.has_capacity(1 + self.reserve):
                # The bucket drains at a steady rate: look again one slot later.
                await self.sleep(1 / self.overall.max_rate)
            else:
                await self.overall.acquire()
                return

    def _waiting(self, change: int) -> None:
        self._people_waiting += change
        if self._people_waiting:
            self._no_one_waiting.clear()
        else:
            self._no_one_waiting.set()

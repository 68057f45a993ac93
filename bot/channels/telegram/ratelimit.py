"""Telegram's flood limits, with people first.

python-telegram-bot's ``AIORateLimiter`` keeps the bot under Telegram's limits
(about 30 messages a second overall, 20 a minute into one group), first come, first
served. While a broadcast or a reminder occurrence drains at 25 a second, an answer
to an officer's ``/due`` would then queue behind outbox messages for one or two
slots each time the overall limit is reached: measured, ``/due`` p99 went from 18 ms
to 75 ms during a 10,000 broadcast (docs/benchmarks.md, issue 5).

``PriorityRateLimiter`` wraps it: a request marked ``BACKGROUND`` (the outbox's)
does not even queue for a slot while an answer to a person is waiting for one. The
outbox sends one message at a time, so at most one of its messages is ever ahead
of an answer; the outbox absorbs the wait, and its own database token bucket
catches up afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from enum import Enum
from typing import Any

from telegram.ext import AIORateLimiter, BaseRateLimiter

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
Callback = Callable[..., Coroutine[Any, Any, JSONResult]]


class SendPriority(Enum):
    BACKGROUND = "background"  # the outbox: reminders, broadcasts


class PriorityRateLimiter(BaseRateLimiter[SendPriority]):
    def __init__(self, inner: AIORateLimiter | None = None) -> None:
        self.inner = inner or AIORateLimiter()
        self._people_waiting = 0  # answers to people that have not got their slot yet
        self._no_one_waiting = asyncio.Event()
        self._no_one_waiting.set()

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def process_request(self, callback: Callback, args: Any, kwargs: dict[str, Any],
                              endpoint: str, data: dict[str, Any],
                              rate_limit_args: SendPriority | None) -> JSONResult:
        if rate_limit_args is SendPriority.BACKGROUND:
            while self._people_waiting:
                await self._no_one_waiting.wait()
            return await self.inner.process_request(callback, args, kwargs, endpoint, data,
                                                    None)
        self._waiting(+1)
        released = False

        async def with_slot(*call_args: Any, **call_kwargs: Any) -> JSONResult:
            # The limiter calls back once this request has its slot: from here on it
            # no longer holds the outbox back (a retry after a 429 does not count again).
            nonlocal released
            if not released:
                released = True
                self._waiting(-1)
            return await callback(*call_args, **call_kwargs)

        try:
            return await self.inner.process_request(with_slot, args, kwargs, endpoint, data,
                                                    None)
        finally:
            if not released:
                self._waiting(-1)

    def _waiting(self, change: int) -> None:
        self._people_waiting += change
        if self._people_waiting:
            self._no_one_waiting.clear()
        else:
            self._no_one_waiting.set()

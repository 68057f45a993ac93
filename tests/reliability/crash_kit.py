"""Killing the real ``nhacviec run`` process again and again while it sends: kill
points drawn at random from a seed (printed, so a failure can be replayed), the
kill-and-restart loop, and the account of what the kills cost.

A kill can cost at most the message in flight: the platform carried it out, the
dead process never heard back, and its successor sends it again once the lease runs
out. The outbox sends one message at a time, so that message is the last one the
platform took from the killed process — which is what ``count_repeats`` checks,
kill by kill, rather than only the total.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass
from typing import TypeVar

from tests.fakes.telegram_api import FakeTelegramApi
from tests.reliability.bot_process import go

KILLS = 10
SEED_VARIABLE = "NHACVIEC_TEST_CRASH_SEED"  # another seed: other kill points

K = TypeVar("K", bound=Hashable)
StartBot = Callable[[], AbstractAsyncContextManager[asyncio.subprocess.Process]]


def crash_seed(default: int) -> int:
    return int(os.environ.get(SEED_VARIABLE, default))


def bot_settings(database_url: str, api: FakeTelegramApi, **more: str) -> dict[str, str]:
    """``nhacviec run`` on the fake Bot API, sending fast, with a short lease: a
    killed process's last batch is taken over two seconds later."""
    return {
        "NHACVIEC_DATABASE_URL": database_url, "NHACVIEC_TELEGRAM_TOKEN": api.token,
        "NHACVIEC_TELEGRAM_API_URL": api.api_url, "NHACVIEC_HTTP_PORT": "0",
        "NHACVIEC_OUTBOX_RATE": "200", "NHACVIEC_OUTBOX_LEASE_SECONDS": "2", **more,
    }


@dataclass(frozen=True)
class KillPlan:
    seed: int
    points: tuple[int, ...]  # deliveries so far (repeats included) at which to kill

    @classmethod
    def draw(cls, seed: int, deliveries: int, kills: int = KILLS) -> KillPlan:
        """``kills`` distinct points before the last of ``deliveries``, so that
        every life but the last is killed with work left to do."""
        rng = random.Random(seed)
        return cls(seed, tuple(sorted(rng.sample(range(1, deliveries), kills))))


async def kill_repeatedly(api: FakeTelegramApi, plan: KillPlan, start: StartBot,
                          delivered: Callable[[], Sequence[K]],
                          finished: Callable[[], Awaitable[object]], *,
                          timeout: float) -> list[list[K]]:  # noqa: ASYNC109
    """Run the bot, SIGKILL it once ``delivered()`` reaches the plan's next point, run
    it again, and so on; the last life runs until ``finished()`` returns. What each
    killed life delivered, in order.

    ``start`` gives a process started ``imported_ahead``: the next one is started
    while the current one sends, and told to go right after the kill.
    """
    lives: list[list[K]] = []
    seen = 0
    async with AsyncExitStack() as processes:
        current = await processes.enter_async_context(start())
        await go(current)
        for point in plan.points:
            following = await processes.enter_async_context(start())
            await _until_delivered(api, delivered, point, timeout)
            current.send_signal(signal.SIGKILL)
            await current.wait()
            # The message in flight at the kill is the dead life's: on record before
            # the next life starts.
            await api.wait_for_answers(timeout=timeout)
            so_far = delivered()
            lives.append(list(so_far[seen:]))
            seen = len(so_far)
            await go(following)
            current = following
        await finished()
    return lives


async def _until_delivered(api: FakeTelegramApi, delivered: Callable[[], Sequence[K]],
                           count: int, timeout: float) -> None:  # noqa: ASYNC109
    await api.wait_until(lambda: len(delivered()) >= count, timeout=timeout)


@dataclass(frozen=True)
class Repeats:
    total: int
    kills: int
    costly_kills: tuple[int, ...]  # 1-based: the kills whose message in flight went twice

    def describe(self) -> str:
        return (f"{self.total} repeated after {self.kills} kills "
                f"(a message in flight at kills {list(self.costly_kills)})")


def count_repeats(delivered: Counter[K], expected: Counter[K],
                  lives: Sequence[Sequence[K]]) -> Repeats:
    """Nothing lost, nothing unknown, and every repeat is the last message of a
    killed life — at most one per kill."""
    assert not expected - delivered, f"never delivered: {dict(expected - delivered)}"
    assert set(delivered) <= set(expected), \
        f"unexpected: {set(delivered) - set(expected)}"
    repeated = delivered - expected
    last = Counter(life[-1] for life in lives if life)
    assert not repeated - last, \
        f"repeated, yet not in flight at a kill: {dict(repeated - last)}"
    costly = []
    left = Counter(repeated)
    for number, life in enumerate(lives, start=1):
        if life and left[life[-1]] > 0:
            left[life[-1]] -= 1
            costly.append(number)
    return Repeats(repeated.total(), len(lives), tuple(costly))

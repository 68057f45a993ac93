"""Per-chat lanes: order within a chat, no waiting across chats, bounded backlog."""

from __future__ import annotations

import asyncio

from bot.lanes import Job, Lanes


async def test_one_chat_in_order_while_another_chat_is_not_held_up() -> None:
    lanes = Lanes()
    gate = asyncio.Event()
    seen: list[str] = []

    def job(name: str, wait: bool = False) -> Job:
        async def run() -> None:
            if wait:
                await gate.wait()
            seen.append(name)
        return run

    lanes.submit("a", job("a1", wait=True))  # a slow first message in chat a …
    lanes.submit("a", job("a2"))
    lanes.submit("b", job("b1"))  # … does not hold up chat b
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert seen == ["b1"]
    gate.set()
    await lanes.idle()
    assert seen == ["b1", "a1", "a2"]
    assert lanes.busy == 0


async def test_a_failing_job_does_not_stop_the_lane() -> None:
    lanes = Lanes()
    seen: list[int] = []

    async def boom() -> None:
        raise RuntimeError("handler bug")

    async def fine() -> None:
        seen.append(1)

    lanes.submit("a", boom)
    lanes.submit("a", fine)
    await lanes.idle()
    assert seen == [1]


async def test_backlog_is_bounded() -> None:
    lanes = Lanes(max_backlog=3)
    gate = asyncio.Event()

    async def wait() -> None:
        await gate.wait()

    accepted = [lanes.submit("flood", wait) for _ in range(10)]
    assert accepted == [True, True, True] + [False] * 7
    assert lanes.submit("calm", wait) is True
    gate.set()
    await lanes.idle()

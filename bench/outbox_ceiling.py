"""How fast one outbox worker can go when nothing but itself holds it back.

    python -m bench.outbox_ceiling [--rows 3000] [--members 20000 --groups 2000]

The drain benchmark runs at Telegram's 30 messages/s, so it cannot show how much
room the worker has under that limit. This drains the same outbox (22,000 rows,
``--rows`` of them made due) with the token bucket set out of reach, twice:

- ``null``: a channel that answers Sent at once — the worker's own cost per row
  (claim, two token-bucket transactions' worth of SQLite, mark_sent);
- ``http``: the real python-telegram-bot ``Bot`` without AIORateLimiter, through
  ``deliver_once``, to the fake Bot API in its own process with no flood limits —
  add one HTTP round trip and PTB's request building.

If either ceiling were near 30/s, the worker (not Telegram) would be the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update
from telegram import Bot

from bench.drain import TelegramProcess, park_all, release, window_rows
from bench.enqueue import measure as enqueue
from bench.world import SETUP_AT, TICK, populate
from bot.app import App, running_app
from bot.channels.telegram.sender import deliver_once
from bot.config import Settings
from bot.messages import reply_from_payload
from bot.outbox import OutboxChannel, OutboxWorker, Outcome, Sent
from storage.models import OutboxMessage

UNREACHABLE_RATE = 1_000_000.0  # sends per second: the token bucket never makes anyone wait


class NullChannel:
    async def deliver(self, chat_id: str, payload: dict[str, Any]) -> Outcome:
        return Sent()

    async def unreachable(self, chat_id: str) -> None:
        return None


class HttpChannel:
    """What TelegramChannel.deliver does, minus the application and its limiter."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def deliver(self, chat_id: str, payload: dict[str, Any]) -> Outcome:
        return await deliver_once(self.bot, chat_id, reply_from_payload(payload))

    async def unreachable(self, chat_id: str) -> None:
        return None


async def _drain(app: App, channel: OutboxChannel, rows: int) -> dict[str, Any]:
    await park_all(app)
    window = await window_rows(app, rows)
    started = time.monotonic()
    start_at = TICK + timedelta(minutes=2)

    def clock() -> datetime:
        return start_at + timedelta(seconds=time.monotonic() - started)

    worker = OutboxWorker(app.sessions, {"telegram": channel}, clock=clock,
                          owner=f"ceiling-{id(channel)}", rate_per_second=UNREACHABLE_RATE)
    await release(app, max(window))
    cpu = time.process_time()
    began = time.perf_counter()
    handled = await worker.drain()
    seconds = time.perf_counter() - began
    return {"rows": handled, "seconds": round(seconds, 2),
            "rows_per_second": round(handled / seconds, 1),
            "ms_per_row": round(1000 * seconds / handled, 2),
            "bot_cpu_percent": round(100 * (time.process_time() - cpu) / seconds, 1)}


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="nhacviec-ceiling-") as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        result: dict[str, Any] = {}
        async with running_app(Settings(database_url=url), clock=lambda: SETUP_AT) as app:
            await populate(app, members=args.members, groups=args.groups, probes=0)
            await enqueue(app)
            result["null"] = await _drain(app, NullChannel(), args.rows)
            await _reset(app)
            async with TelegramProcess("--no-limits") as telegram:
                bot = Bot(telegram.info["token"], base_url=telegram.info["api_url"])
                async with bot:
                    result["http"] = await _drain(app, HttpChannel(bot), args.rows)
        return result


async def _reset(app: App) -> None:
    """Make the drained rows pending again, as if never sent."""
    async with app.sessions.begin() as session:
        await session.execute(update(OutboxMessage).values(
            status="pending", attempts=0, claimed_by=None, lease_until=None, sent_at=None))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.outbox_ceiling",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=3_000)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--groups", type=int, default=2_000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    result = asyncio.run(_main(args))
    print(json.dumps(result, indent=2))
    print("\n== outbox worker ceiling (one worker, SQLite, no rate limit) ==")
    for name, figures in result.items():
        print(f"{name:>5}: {figures['rows_per_second']} rows/s "
              f"({figures['ms_per_row']} ms per row, bot CPU {figures['bot_cpu_percent']} %)")


if __name__ == "__main__":
    main()

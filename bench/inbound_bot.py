"""The bot itself as the inbound benchmark's contender: ``Service`` as in production
(the aiohttp webhook, python-telegram-bot, the router, the database, the scheduler
and the outbox worker), in a process of its own like the bare bots.

    python -m bench.inbound_bot --api-url URL --token T --secret S --officers N
        [--database-url postgresql+asyncpg://…] [--overall-rate R] [--profile FILE]

It builds its world first (the seed plan and directory, ``N`` officers with a
Telegram private chat spread over the 28 units of the seed's III.2 report, muted so
that no reminder ever reaches them: every message to their chat is an answer), then
prints ``{"webhook": URL, "users": [ids]}`` and runs until its stdin closes. The
calendar is 01/08/2023 08:03 and runs in real time, so ``/due`` answers August 2023.

``--overall-rate`` is ``Settings.telegram_overall_rate``: Telegram's 30 messages a
second by default, which caps answers too; the benchmark lifts it to measure how
fast the bot itself is, and runs once with it to show the cap.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench.bare_bots import say, wait_for_stdin_to_close
from bench.world import HANOI, populate, set_last_tick, temporary_database
from bot.app import running_app
from bot.channels.telegram.channel import WEBHOOK_PATH
from bot.config import Settings
from bot.runner import Service

START_AT = datetime(2023, 8, 1, 8, 3, tzinfo=HANOI)


async def serve(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="nhacviec-inbound-") as directory:
        async with temporary_database(args.database_url, Path(directory)) as url:
            async with running_app(Settings(database_url=url),
                                   clock=lambda: START_AT) as app:
                population = await populate(app, members=0, groups=0, probes=args.officers)
                await set_last_tick(app.sessions, START_AT)  # no reminders come due
            started = time.monotonic()

            def clock() -> datetime:
                return START_AT + timedelta(seconds=time.monotonic() - started)

            settings = Settings(database_url=url, telegram_token=args.token,
                                telegram_api_url=args.api_url,
                                webhook_url="https://bot.example.gov.vn",
                                webhook_secret=args.secret, http_host="127.0.0.1",
                                http_port=0, log_level="WARNING",
                                telegram_overall_rate=args.overall_rate)
            async with running_app(settings, clock=clock) as app:
                service = Service(app)
                await service.start()
                try:
                    say({"webhook": service.http.url + WEBHOOK_PATH,
                         "users": list(population.probes)})
                    await _until_stdin_closes(args.profile)
                finally:
                    await service.stop()


async def _until_stdin_closes(profile: Path | None) -> None:
    if profile is None:
        await wait_for_stdin_to_close()
        return
    # Every task on the loop, not one: the webhook, the lanes, PTB's queue.
    from pyinstrument import Profiler
    profiler = Profiler(async_mode="disabled")
    profiler.start()
    try:
        await wait_for_stdin_to_close()
    finally:
        profiler.stop()
        _write(profile, profiler.output_text(unicode=True, show_all=False))


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")  # once, after the measurement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--officers", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--overall-rate", type=float, default=30.0)
    parser.add_argument("--profile", type=Path, default=None)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()

"""Soak: an hour of traffic in compressed time, with memory and the outbox sampled
every simulated minute. Does anything grow?

    python -m bench.soak [--simulated-minutes 60] [--officers 60] [--per-minute 12]
                         [--warm-up 10] [--runs 1] [--json FILE]

The bot runs as in production (``bot.runner.Service``: the webhook, python-telegram-
bot, the outbox worker) against the fake Bot API in this process, on an injected
clock that jumps a minute at a time (every wait the service makes passes at once and
moves the clock as far). The calendar starts on Thu 17/08/2023 07:50, so the 08:00
reminders for the 22/08 reports fire ten minutes in. Each simulated minute:

- ``--per-minute`` officers (of ``--officers``, in turn) each send one of /due, a
  question in words, a progress update (II.8.1: Sở Tư pháp's; the others are told it
  is not theirs), the month's "next" button under their last
  answer, a forged button, /history, small talk — through the webhook;
- the reminder engine ticks, the broadcast monitor looks, the outbox is drained;
- at a quarter and at three quarters of the run the admin sends a broadcast to
  everyone through the chat (compose, audience, Send).

Then, once everything is answered and sent: RSS (VmRSS), tracemalloc's current
memory and Python's object count (after a full collection), the asyncio tasks, the
outbox (pending, due, rows in all), the conversation rows, and the bot's in-memory
structures (throttle windows, lanes, PTB's per-chat and per-user dicts). The fake's
own records (its call log, the messages it keeps for edits) are cleared every minute:
it is not the bot.

The trend is a least-squares slope over the samples after ``--warm-up`` minutes (or
the second half, whichever is later), per simulated hour. A benchmark, not a test:
it asserts nothing; ``tests/reliability/test_soak.py`` runs a short soak and does.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import re
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench import report as report_info
from bot.config import Settings
from bot.members import MemberRole
from storage.models import ConversationState, OutboxMessage, ProgressUpdate
from storage.outbox import outbox_counts, outbox_depth
from tests.fakes.telegram_api import FakeTelegramApi
from tests.fakes.telegram_updates import callback_update, message_update
from tests.telegram_harness import ADMIN_ID, HANOI, SECRET, Clock, Harness, running_service

START = datetime(2023, 8, 17, 7, 50, tzinfo=HANOI)  # 08:00: reminders for 22/08
UNITS = ("so-tp", "so-yt", "ubnd-h-gia-binh", "so-khdt")
OFFICER_BASE = 5000
MINUTE = timedelta(minutes=1)
NEVER = 86_400.0  # seconds: the periodic jobs are the soak's to run, once a minute
BROADCAST = "Khẩn: đề nghị các đơn vị nộp báo cáo quý III trước 16h ngày 22/08/2023."


@dataclass(frozen=True)
class Sample:
    minute: int
    rss_kib: int
    traced_kib: float  # tracemalloc: memory allocated by Python and still held
    objects: int  # gc-tracked objects after a full collection
    tasks: int  # asyncio tasks alive
    outbox_pending: int  # rows waiting to be sent (now or later)
    outbox_due: int  # rows a claim could take now
    outbox_rows: int  # every row, sent ones included (the database's, not memory)
    conversations: int  # conversation state rows
    progress_rows: int
    throttle_windows: int
    lanes_busy: int
    in_flight: int  # webhook updates accepted, not yet handled
    ptb_chat_data: int
    ptb_user_data: int
    messages_posted: int  # this minute, by the officers
    sent_by_the_bot: int  # this minute: sendMessage and editMessageText


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of y over x; None for fewer than two points."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def trends(samples: list[Sample], warm_up: int) -> dict[str, dict[str, float | None]]:
    """Per figure, over the samples after the warm-up (and at least the second half):
    the slope per simulated hour, the mean, and first → last."""
    start = max(warm_up, samples[-1].minute // 2) if samples else 0
    tail = [s for s in samples if s.minute >= start]
    found: dict[str, dict[str, float | None]] = {}
    for name in Sample.__dataclass_fields__:
        if name == "minute":
            continue
        values = [(float(s.minute), float(getattr(s, name))) for s in tail]
        per_minute = slope(values)
        found[name] = {
            "slope_per_hour": None if per_minute is None else round(60 * per_minute, 2),
            "mean": round(sum(v for _, v in values) / len(values), 2) if values else None,
            "first": values[0][1] if values else None,
            "last": values[-1][1] if values else None,
        }
    return found


@asynccontextmanager
async def soak_bot(directory: Path) -> AsyncIterator[Harness]:
    """The service on the fake, webhook mode, the periodic jobs left to the soak."""
    clock = Clock(START)
    async with FakeTelegramApi(bot_username="NhacViecBot") as api:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{directory / 'soak.db'}",
            admins=(f"telegram:{ADMIN_ID}",), telegram_token=api.token,
            telegram_api_url=api.api_url, webhook_url="https://bot.example.gov.vn",
            webhook_secret=SECRET, http_host="127.0.0.1", http_port=0,
            reminder_tick_seconds=NEVER, broadcast_progress_seconds=NEVER,
            log_level="WARNING")
        async with running_service(settings, clock) as (app, service, sleeps):
            yield Harness(api, app, service, clock, sleeps)


class Soak:
    """The simulated traffic, one minute at a time, and the samples."""

    def __init__(self, tg: Harness, *, officers: int, per_minute: int,
                 minutes: int) -> None:
        self.tg = tg
        self.officers = [OFFICER_BASE + i for i in range(officers)]
        self.per_minute = per_minute
        self.minutes = minutes
        self.broadcast_at = {max(1, minutes // 4), max(2, 3 * minutes // 4)}
        self._turn = itertools.count()
        self._update_ids = itertools.count(1)
        self.samples: list[Sample] = []
        self.broadcasts = 0

    async def setup(self) -> None:
        for index, user in enumerate(self.officers):
            await self.tg.app.services.enroll(
                "telegram", str(user), unit_id=UNITS[index % len(UNITS)],
                role=MemberRole.OFFICER, at=self.tg.clock(), display_name=f"Cán bộ {user}",
                chat_id=str(user))
        await self.tg.service.scheduler.tick()  # the catch-up tick at start

    def _update(self, user: int, turn: int) -> dict[str, Any]:
        unit = UNITS[(user - OFFICER_BASE) % len(UNITS)]
        kind = turn % 7
        if kind in (3, 4):
            data = f"due:{unit}:2023-09" if kind == 3 else "undo:999999"
            update = callback_update(data, user_id=user, message_id=1)
        else:
            text = {0: "/due", 1: "thang 8 phai nop gi", 2: f"/update II.8.1 xong {turn % 100}%",
                    5: "/history", 6: "xin chào"}[kind]
            update = message_update(text, user_id=user)
        update["update_id"] = next(self._update_ids)
        return update

    async def _post(self, update: dict[str, Any]) -> None:
        status = await self.tg.post(update)
        if status != 200:
            raise RuntimeError(f"the webhook answered {status}")

    async def _broadcast(self) -> None:
        """The admin composes a notice to everyone and presses Send, in the chat."""
        tg = self.tg
        await self._post(message_update("/thongbao", user_id=ADMIN_ID))
        await tg.settled()
        await self._post(message_update(f"{BROADCAST} (#{self.broadcasts + 1})",
                                        user_id=ADMIN_ID))
        await tg.settled()
        menu = tg.api.last_text(ADMIN_ID) or ""
        number = re.search(r"#(\d+)", menu)
        if number is None:
            raise RuntimeError(f"no broadcast menu: {menu!r}")
        for data in (f"bc:a:{number.group(1)}:all", f"bc:go:{number.group(1)}"):
            await self._post(callback_update(data, user_id=ADMIN_ID, message_id=2))
            await tg.settled()
        self.broadcasts += 1

    async def _drain(self) -> None:
        """Until nothing due is waiting or being sent."""
        tg = self.tg
        for _ in range(10_000):
            await tg.service.scheduler.worker.drain()
            async with tg.app.sessions() as session:
                counts = await outbox_counts(session)
                due, _ = await outbox_depth(session, now=tg.clock())
            if not due and not counts["sending"]:
                return
            await asyncio.sleep(0)
        raise RuntimeError(f"the outbox did not drain: {counts}")

    async def minute(self, minute: int) -> None:
        tg = self.tg
        tg.clock.now = max(tg.clock.now, START + minute * MINUTE)
        turns = [next(self._turn) for _ in range(self.per_minute)]
        posts = [self._post(self._update(self.officers[t % len(self.officers)], t // 3))
                 for t in turns]
        await asyncio.gather(*posts)
        await tg.settled()
        if minute in self.broadcast_at:
            await self._broadcast()
        await tg.service.scheduler.tick()
        await tg.service.scheduler.watch_broadcasts()
        await self._drain()
        await tg.service.scheduler.watch_broadcasts()  # the summary, once all is sent
        await tg.settled()
        sent = sum(1 for c in tg.api.calls if c.ok
                   and c.method in ("sendMessage", "editMessageText"))
        self._forget_fake_records()
        self.samples.append(await self.sample(minute, len(turns), sent))

    def _forget_fake_records(self) -> None:
        """The fake keeps every call and every message; the bot is what is measured."""
        api = self.tg.api
        api.calls.clear()
        api.state.messages.clear()
        api.state.answered_queries.clear()
        self.tg.sleeps.clear()

    async def sample(self, minute: int, handled: int, sent: int) -> Sample:
        tg = self.tg
        channel = tg.service.telegram
        assert channel is not None
        gc.collect()
        async with tg.app.sessions() as session:
            counts = await outbox_counts(session)
            due, _ = await outbox_depth(session, now=tg.clock())
            rows = int(await session.scalar(select(func.count()).select_from(OutboxMessage))
                       or 0)
            conversations = int(await session.scalar(
                select(func.count()).select_from(ConversationState)) or 0)
            progress = int(await session.scalar(
                select(func.count()).select_from(ProgressUpdate)) or 0)
        traced = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else 0
        application = channel.application
        return Sample(
            minute=minute, rss_kib=rss_kib(), traced_kib=round(traced / 1024, 1),
            objects=len(gc.get_objects()), tasks=len(asyncio.all_tasks()),
            outbox_pending=counts["pending"], outbox_due=due, outbox_rows=rows,
            conversations=conversations, progress_rows=progress,
            throttle_windows=tg.app.router.throttle.tracked, lanes_busy=channel.lanes.busy,
            in_flight=channel._in_flight, ptb_chat_data=len(application.chat_data),
            ptb_user_data=len(application.user_data), messages_posted=handled,
            sent_by_the_bot=sent)

    async def run(self) -> list[Sample]:
        await self.setup()
        for minute in range(1, self.minutes + 1):
            await self.minute(minute)
        return self.samples


async def one_run(args: argparse.Namespace, index: int) -> dict[str, Any]:
    result: dict[str, Any] = {"load_average_at_start": report_info.load_average()}
    with tempfile.TemporaryDirectory(prefix="nhacviec-soak-") as directory:
        async with soak_bot(Path(directory)) as tg:
            soak = Soak(tg, officers=args.officers, per_minute=args.per_minute,
                        minutes=args.simulated_minutes)
            tracemalloc.start()
            started = time.perf_counter()
            try:
                samples = await soak.run()
            finally:
                tracemalloc.stop()
            result["wall_seconds"] = round(time.perf_counter() - started, 1)
            result["broadcasts"] = soak.broadcasts
    result["trend"] = trends(samples, args.warm_up)
    result["samples"] = [asdict(s) for s in samples]
    return result


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--simulated-minutes", type=int, default=60)
    parser.add_argument("--officers", type=int, default=60)
    parser.add_argument("--per-minute", type=int, default=12,
                        help="messages from officers each simulated minute")
    parser.add_argument("--warm-up", type=int, default=10,
                        help="simulated minutes left out of the trend")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the JSON report here")
    return parser.parse_args(argv)


WATCHED = ("rss_kib", "traced_kib", "objects", "tasks", "outbox_pending", "outbox_due",
           "throttle_windows", "lanes_busy", "in_flight", "ptb_chat_data", "ptb_user_data",
           "conversations")


def _verdicts(summary: dict[str, Any], report: dict[str, Any]) -> list[str]:
    lines = []
    for run in report["runs"]:
        lines.append(f"         {len(run['samples'])} simulated minutes in "
                     f"{run['wall_seconds']} s, {run['broadcasts']} broadcasts")
        for name in WATCHED:
            t = run["trend"][name]
            lines.append(f"         {name}: {t['first']} → {t['last']} (mean {t['mean']}), "
                         f"slope {t['slope_per_hour']} per simulated hour")
    return lines


def main(argv: list[str] | None = None) -> None:
    report_info.run_and_report(_arguments(argv), one_run, "soak", _verdicts)


if __name__ == "__main__":
    main()

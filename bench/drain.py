"""Draining the enqueued reminders through Telegram's limits while officers ask /due.

The bot runs as in production (``Service``: the aiohttp webhook server, the real
python-telegram-bot with its AIORateLimiter, the scheduler and the outbox worker
on the database's token bucket), on the real clock. Only the calendar is moved:
the app's clock reads 01/08/2023 08:03 at start and advances in real time, so the
/due answers and the outbox's leases and retries see the reminder's morning.

A window of the outbox is drained, not necessarily all of it: every row is first
parked in the far future; once the bot is up and the /due traffic has run for a
baseline period, the first ``messages`` rows (by id: a few units' officers and
groups, the same 10:1 mix as the whole) are made due again and the worker is woken.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import func, select, update

from bench.report import REPO
from bench.stats import busiest_second, middle_rate, percentile, rate
from bench.world import SEND_AT, TICK, Population
from bot.app import App, running_app
from bot.channels.telegram.channel import WEBHOOK_PATH
from bot.config import Settings
from bot.runner import Service
from storage.models import OutboxMessage

TELEGRAM_LIMIT = 30.0  # messages per second, overall, per bot token
SECRET = "bench-webhook-secret"
PARKED = datetime(2100, 1, 1, tzinfo=UTC)
POLL = 0.25  # seconds between looks at the outbox


@dataclass(frozen=True)
class DrainConfig:
    database_url: str
    rate: float  # Settings.outbox_rate
    messages: int  # rows to drain; 0 = all
    due_rate: float  # /due posts per second (0: none)
    baseline: float  # seconds of /due traffic before the drain starts
    limits: bool = True  # the fake answers 429 past Telegram's limits


class TelegramProcess:
    """The parent's end of ``bench.telegram_process``."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.info: dict[str, Any] = {}
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> TelegramProcess:
        environment = {**os.environ, "PYTHONPATH": str(REPO)}
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.telegram_process", *self.args, cwd=REPO,
            env=environment, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        self.info = await self._read()
        return self

    async def _read(self) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), timeout=120)
        if not line:
            raise RuntimeError("the fake Telegram process died; see its stderr above")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def cpu_seconds(self) -> float | None:
        """The process's CPU seconds so far, read from /proc without a round trip (so
        it can be taken in the middle of the bot's own work); None off Linux."""
        if self._process is None:
            return None
        try:
            with open(f"/proc/{self._process.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        # utime and stime: fields 14 and 15 of proc(5), counted after the name.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def request(self, **command: Any) -> dict[str, Any]:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(json.dumps(command).encode() + b"\n")
        await self._process.stdin.drain()
        return await self._read()

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, traceback: TracebackType | None) -> None:
        if self._process is None:
            return
        if self._process.returncode is None:
            try:
                await self.request(cmd="quit")
                await asyncio.wait_for(self._process.wait(), timeout=10)
            except (TimeoutError, RuntimeError, BrokenPipeError, ConnectionResetError):
                self._process.kill()  # our own child, by its handle
                await self._process.wait()


def add_due_arguments(parser: argparse.ArgumentParser, *, baseline: str) -> None:
    """The /due load's options, shared by the benchmarks that drain under it."""
    parser.add_argument("--due-rate", type=float, default=5.0,
                        help="/due posts per second, open-loop (0: none)")
    parser.add_argument("--probes", type=int, default=100,
                        help="officers who take turns asking /due")
    parser.add_argument("--baseline", type=float, default=10.0, help=baseline)


async def park_all(app: App) -> None:
    async with app.sessions.begin() as session:
        await session.execute(update(OutboxMessage).values(next_attempt_at=PARKED))


async def window_rows(app: App, messages: int) -> dict[int, str]:
    """Row id → chat id of the rows to drain: the first ``messages`` by id."""
    query = select(OutboxMessage.id, OutboxMessage.chat_id).order_by(OutboxMessage.id)
    if messages:
        query = query.limit(messages)
    async with app.sessions() as session:
        return {row_id: chat for row_id, chat in await session.execute(query)}


async def release(app: App, last_id: int) -> None:
    async with app.sessions.begin() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.id <= last_id)
                              .values(next_attempt_at=SEND_AT))


async def _statuses(app: App, last_id: int) -> dict[str, int]:
    async with app.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.status, func.count()).where(OutboxMessage.id <= last_id)
            .group_by(OutboxMessage.status))
        return {status: count for status, count in rows}


async def _retried(app: App, last_id: int) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(
            select(func.count()).where(OutboxMessage.id <= last_id,
                                       OutboxMessage.attempts > 1)) or 0)


async def _wait_until_drained(app: App, last_id: int, count: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        statuses = await _statuses(app, last_id)
        if statuses.get("sent", 0) + statuses.get("failed", 0) >= count:
            return True
        await asyncio.sleep(POLL)
    return False


def bot_settings(database_url: str, rate: float, telegram: dict[str, Any], *,
                 admins: tuple[str, ...] = ()) -> Settings:
    """The bot's settings as in production, pointed at the fake Telegram process:
    a webhook with its secret, a port of its own, the outbox at ``rate``."""
    return Settings(database_url=database_url, telegram_token=telegram["token"],
                    telegram_api_url=telegram["api_url"],
                    webhook_url="https://bot.example.gov.vn", webhook_secret=SECRET,
                    http_host="127.0.0.1", http_port=0, outbox_rate=rate,
                    log_level="WARNING", admins=admins)


async def measure(config: DrainConfig, population: Population, work: Path) -> dict[str, Any]:
    args = () if config.limits else ("--no-limits",)
    async with TelegramProcess(*args) as telegram:
        started = time.monotonic()
        start_at = TICK + timedelta(minutes=2)

        def clock() -> datetime:
            return start_at + timedelta(seconds=time.monotonic() - started)

        settings = bot_settings(config.database_url, config.rate, telegram.info)
        async with running_app(settings, clock=clock) as app:
            await park_all(app)
            window = await window_rows(app, config.messages)
            last_id = max(window)
            service = Service(app)
            await service.start()
            try:
                if config.due_rate > 0:
                    await telegram.request(cmd="load", webhook=service.http.url + WEBHOOK_PATH,
                                           secret=SECRET, users=list(population.probes),
                                           rate=config.due_rate)
                    await asyncio.sleep(config.baseline)
                cpu = (time.process_time(), (await telegram.request(cmd="cpu"))["seconds"])
                machine: tuple[float, ...] | None = machine_cpu()
                released = time.monotonic()
                await release(app, last_id)
                service.scheduler.worker.wake.set()
                timeout = max(120.0, 4 * len(window) / min(config.rate, TELEGRAM_LIMIT))
                complete = await _wait_until_drained(app, last_id, len(window), timeout)
                finished = time.monotonic()
                cpu = (time.process_time() - cpu[0],
                       (await telegram.request(cmd="cpu"))["seconds"] - cpu[1])
                machine = cpu_difference(machine_cpu(), machine)
                answers_file = work / "due_answers.json"
                if config.due_rate > 0:
                    await telegram.request(cmd="stop_load", path=str(answers_file))
                dump = work / "telegram_calls.json"
                await telegram.request(cmd="dump", path=str(dump))
                statuses = await _statuses(app, last_id)
                retried = await _retried(app, last_id)
            finally:
                await service.stop()
    calls = json.loads(dump.read_text(encoding="utf-8"))
    answers = json.loads(answers_file.read_text(encoding="utf-8")) \
        if config.due_rate > 0 else []
    result = _analyse(config, window, set(population.probes), calls, answers, released,
                      finished, complete, statuses, retried)
    result.update(cpu_shares(cpu[0], cpu[1], machine, finished - released))
    return result


def cpu_shares(bot: float, telegram: float | None, machine: tuple[float, ...] | None,
               seconds: float) -> dict[str, float | None]:
    """CPU use of each process over ``seconds`` (100 % = one core): is either of them
    the bottleneck, and how busy was the rest of the machine?"""
    shares: dict[str, float | None] = {"bot_cpu_percent": rounded(100 * bot / seconds, 1)}
    if telegram is not None:
        shares["telegram_cpu_percent"] = rounded(100 * telegram / seconds, 1)
    if machine is not None:
        busy, steal, iowait = machine
        # Whatever else ran on the machine meanwhile (another process, the hypervisor
        # taking the CPU away) slows the bot down without being the bot's fault.
        if telegram is not None:
            shares["other_cpu_percent"] = rounded(100 * (busy - bot - telegram) / seconds, 1)
        else:
            shares["machine_cpu_percent"] = rounded(100 * busy / seconds, 1)
        shares["steal_percent"] = rounded(100 * steal / seconds, 1)
        shares["iowait_percent"] = rounded(100 * iowait / seconds, 1)
    return shares


def machine_cpu() -> tuple[float, float, float] | None:
    """Busy, stolen and I/O-wait CPU seconds of the whole machine so far (all
    cores), from /proc/stat; None where there is no such file."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(field) for field in stat.readline().split()[1:9]]
    except OSError:
        return None
    user, nice, system, _idle, iowait, irq, softirq, steal = ticks
    per_second = os.sysconf("SC_CLK_TCK")
    return ((user + nice + system + irq + softirq) / per_second, steal / per_second,
            iowait / per_second)


def cpu_difference(after: tuple[float, ...] | None,
                before: tuple[float, ...] | None) -> tuple[float, ...] | None:
    if after is None or before is None:
        return None
    return tuple(a - b for a, b in zip(after, before, strict=True))


def _analyse(config: DrainConfig, window: dict[int, str], probes: set[int],
             calls: list[list[Any]], answers: list[dict[str, Any]], released: float,
             finished: float, complete: bool, statuses: dict[str, int],
             retried: int) -> dict[str, Any]:
    during = [c for c in calls if c[0] == "sendMessage" and c[3] >= released]
    to_window = Counter(str(chat) for chat in window.values())
    reminder_calls = [c for c in during if c[1] not in probes]
    delivered = Counter(str(c[1]) for c in reminder_calls if c[2] == 200)
    reminder_times = [c[3] for c in reminder_calls if c[2] == 200]
    first, last = (min(reminder_times), max(reminder_times)) if reminder_times else (0, 0)
    in_span = [c for c in during if first <= c[3] <= last]
    all_ok_times = [c[3] for c in in_span if c[2] == 200]
    statuses_seen = Counter(c[2] for c in during)
    busiest = busiest_second(all_ok_times)
    requests = len(during)
    # Each row's chat is its own (one reminder per officer or group), so a chat
    # that got fewer messages than rows lost some, and more than rows got repeats.
    lost = sum(max(0, want - delivered.get(chat, 0)) for chat, want in to_window.items())
    duplicates = sum(max(0, delivered.get(chat, 0) - want) for chat, want in to_window.items())
    strays = sum(n for chat, n in delivered.items() if chat not in to_window)
    drain: dict[str, Any] = {
        "outbox_rate": config.rate,
        "messages": len(window),
        "complete": complete,
        "seconds": round(last - first, 2),
        "released_to_last_seconds": round(last - released, 2) if reminder_times else None,
        "reminders_per_second": rounded(rate(reminder_times)),
        "reminders_per_second_steady": rounded(middle_rate(reminder_times)),
        "all_messages_per_second": rounded(rate(all_ok_times)),
        "all_messages_per_second_steady": rounded(middle_rate(all_ok_times)),
        "fraction_of_limit": rounded((rate(all_ok_times) or 0) / TELEGRAM_LIMIT, 4),
        "fraction_of_limit_steady": rounded((middle_rate(all_ok_times) or 0) / TELEGRAM_LIMIT, 4),
        "busiest_second": busiest[0],
        # Seconds after the drain started: the start burst (both buckets full) or later.
        "busiest_second_at": None if busiest[1] is None else round(busiest[1] - released, 2),
        "requests": requests,
        "answered_429": statuses_seen.get(429, 0),
        "answered_429_to_due": sum(1 for c in during if c[2] == 429 and c[1] in probes),
        # When they came (seconds after the drain started): the start burst or later.
        "answered_429_at": [round(c[3] - released, 2) for c in during if c[2] == 429][:20],
        "percent_429": rounded(100 * statuses_seen.get(429, 0) / requests if requests else 0, 3),
        "other_errors": sum(n for s, n in statuses_seen.items() if s not in (200, 429)),
        "lost": lost,
        "duplicates": duplicates,
        "unexpected_recipients": strays,
        "rows_retried": retried,
        "outbox_status": statuses,
    }
    drain["due"] = due_latency(answers, released, finished)
    drain["due_baseline"] = due_latency(answers, float("-inf"), released)
    return drain


def due_latencies(answers: list[dict[str, Any]], start: float, end: float) -> list[float]:
    """Milliseconds from post to answer of the /due posted in [start, end)."""
    return [1000 * (a["answered"] - a["posted"]) for a in answers
            if start <= a["posted"] < end and a["answered"]]


def due_latency(answers: list[dict[str, Any]], start: float, end: float) -> dict[str, Any]:
    """The /due posted in [start, end): how many, unanswered, latency percentiles."""
    asked = [a for a in answers if start <= a["posted"] < end]
    latencies = due_latencies(answers, start, end)
    return {
        "asked": len(asked),
        "unanswered": sum(1 for a in asked if a["answered"] is None),
        "webhook_not_200": sum(1 for a in asked if a["status"] != 200),
        "messages_per_answer": rounded(sum(a["messages"] for a in asked) / len(asked), 2)
        if asked else None,
        "p50_ms": rounded(percentile(latencies, 0.50), 1),
        "p95_ms": rounded(percentile(latencies, 0.95), 1),
        "p99_ms": rounded(percentile(latencies, 0.99), 1),
        "max_ms": rounded(max(latencies), 1) if latencies else None,
    }


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)

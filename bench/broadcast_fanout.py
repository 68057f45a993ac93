"""A broadcast to 10,000 officers while others ask /due: does it slow their answers?

    python -m bench.broadcast_fanout [--recipients 10000] [--groups 0] [--due-rate 5]
                                     [--baseline 10] [--drain-messages 3000 | --full]
                                     [--rate 25] [--runs 1] [--database-url URL]
                                     [--profile FILE] [--json FILE]

The world (``bench/world.py``): ``--recipients`` officers, each with a Telegram
private chat — the admin who sends the notice and the ``--probes`` officers who ask
/due among them — and optionally ``--groups`` bound groups, on a fresh SQLite file
(or a fresh PostgreSQL database with ``--database-url``). The bot runs as in
production (``bot.runner.Service``: webhook, python-telegram-bot with its
AIORateLimiter, the scheduler, the outbox worker on the shared token bucket at
``--rate``), on the real clock, against the fake Telegram in its own process
(``bench/telegram_process.py``: 30/s overall, 1/s per chat, 20/min per group, 429
beyond).

Phases: /due alone for ``--baseline`` seconds; then the admin presses Send under the
preview of a notice drafted for everyone (for the units, members and groups, with
``--groups``) through the use case: the fake posts the callback ``bc:go:<id>`` to
the webhook, and the router's Send handler queues every row and answers with the
"Đang gửi" card; then the drain, until ``--drain-messages`` copies have reached the
fake (``--full``: all of them). /due latency is measured in each phase apart.

Prints one JSON object (the runs and, with --runs > 1, their medians), then a human
summary with each target met or missed. A benchmark, not a test: it runs on the
real clock, talks only to 127.0.0.1, and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import tempfile
import time
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench import report as report_info
from bench.drain import (
    SECRET,
    TELEGRAM_LIMIT,
    TelegramProcess,
    add_due_arguments,
    bot_settings,
    cpu_difference,
    cpu_shares,
    due_latencies,
    due_latency,
    machine_cpu,
    rounded,
)
from bench.enqueue import new_profiler, write_profile
from bench.stats import busiest_second, middle_rate, percentile, rate
from bench.world import (
    MEMBER_ID_BASE,
    SETUP_AT,
    TICK,
    Population,
    populate,
    set_last_tick,
    temporary_database,
)
from bot.app import App, running_app
from bot.audience import Audience, AudienceKind
from bot.channels.telegram.channel import WEBHOOK_PATH
from bot.config import Settings
from bot.runner import Service
from bot.usecases import broadcasts as broadcasts_usecase
from bot.usecases.broadcasts import Broadcasts, Content, SendResult
from storage import broadcasts as broadcast_store
from storage.models import OutboxKind, OutboxMessage
from storage.models_broadcasts import BroadcastRow

ADMIN_ID = MEMBER_ID_BASE  # the first officer is the admin who sends the notice
CARD_MESSAGE_ID = 777  # the preview card in the admin's chat, under which Send is pressed
START_AT = TICK + timedelta(minutes=2)  # the app's clock at start: no reminder falls due
MARK = "[bench-broadcast]"  # in the notice's text: its copies are not /due answers
TEXT = (f"{MARK} Khẩn: đề nghị các đơn vị nộp báo cáo quý III trước 16h ngày 05/08/2023 "
        "qua hệ thống; đơn vị nào chưa có tài khoản liên hệ Văn phòng UBND tỉnh.")
SENDER = "Quản trị hệ thống (Văn phòng UBND tỉnh)"
# What the fake's message log is sorted by (the first label whose text a message has).
LABELS = {"broadcast": MARK, "card": "Đang gửi thông báo", "summary": "Đã gửi xong"}
POLL = 0.25  # seconds between looks at how many copies have arrived
QUEUE_TIMEOUT = 300.0
LAG_INTERVAL = 0.010  # seconds: the loop-lag probe's timer
APP_QUEUE_BATCH = broadcasts_usecase.QUEUE_BATCH

DUE_P99_TARGET = 200.0  # ms
DUE_RATIO_TARGET = 2.0  # × the baseline p99
THROUGHPUT_TARGET = 0.95  # of Telegram's 30 messages/s
MAX_429_PERCENT = 1.0


@dataclass(frozen=True)
class Config:
    database_url: str
    rate: float  # Settings.outbox_rate
    due_rate: float
    baseline: float
    messages: int  # copies to deliver before stopping; 0: all
    profile: Path | None = None
    gc_freeze: bool = True  # gc.freeze() once the bot is up, as Service.run_until does
    queue_batch: int | None = None  # what if: rows per queueing transaction


@dataclass
class Mark:
    at: float  # time.monotonic()
    bot_cpu: float  # this process's CPU seconds so far
    telegram_cpu: float | None
    machine: tuple[float, ...] | None


class Timings:
    """When the Send handler reached each step, with the CPU used so far: thin
    wrappers on the ``Broadcasts`` instance the router calls (``send``, and the
    ``queue`` it calls through ``self``); nothing inside them is changed."""

    def __init__(self, broadcasts: Broadcasts, telegram: TelegramProcess) -> None:
        self.telegram = telegram
        self.marks: dict[str, Mark] = {}
        self.result: SendResult | None = None
        self.queued_rows: int | None = None
        self.done = asyncio.Event()  # the handler's send() returned
        send, queue = broadcasts.send, broadcasts.queue

        async def timed_send(*args: Any, **kwargs: Any) -> SendResult:
            self.mark("send_started")
            try:
                self.result = await send(*args, **kwargs)
                return self.result
            finally:
                self.mark("send_returned")
                self.done.set()

        async def timed_queue(*args: Any, **kwargs: Any) -> int:
            self.mark("queue_started")
            try:
                self.queued_rows = await queue(*args, **kwargs)
                return self.queued_rows
            finally:
                self.mark("queued")  # the broadcast is 'sending' now

        broadcasts.send = timed_send  # type: ignore[method-assign]
        broadcasts.queue = timed_queue  # type: ignore[method-assign]

    def mark(self, name: str) -> None:
        """Synchronous and cheap (no await), so it can sit inside the handler; the
        first mark of a name wins."""
        self.marks.setdefault(name, Mark(time.monotonic(), time.process_time(),
                                         self.telegram.cpu_seconds(), machine_cpu()))

    def between(self, start: str, end: str) -> dict[str, float | None]:
        """CPU shares between two marks."""
        a, b = self.marks[start], self.marks[end]
        telegram = None if a.telegram_cpu is None or b.telegram_cpu is None \
            else b.telegram_cpu - a.telegram_cpu
        return cpu_shares(b.bot_cpu - a.bot_cpu, telegram, cpu_difference(b.machine, a.machine),
                          max(1e-6, b.at - a.at))


@dataclass
class LoopLag:
    """How late this process's event loop runs a 10 ms timer: whatever holds the
    loop (a long synchronous stretch, ORM loading) delays every user's answer by as
    much. Costs one wake-up per 10 ms."""

    samples: list[tuple[float, float]] = field(default_factory=list)  # (when, seconds late)
    # Python's cyclic garbage collections meanwhile, (when, seconds, generation): one
    # of the oldest generation walks every object the process holds.
    collections: list[tuple[float, float, int]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _collecting: float = 0.0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._collecting = time.monotonic()
        else:
            now = time.monotonic()
            self.collections.append((self._collecting, now - self._collecting,
                                     info["generation"]))

    async def _run(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(LAG_INTERVAL)
            self.samples.append((before, time.monotonic() - before - LAG_INTERVAL))

    async def stop(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def summary(self, start: float, end: float) -> dict[str, Any]:
        window = [(at, 1000 * late) for at, late in self.samples if start <= at < end]
        lags = [lag for _, lag in window]
        return {"samples": len(lags), "p50_ms": rounded(percentile(lags, 0.5), 1),
                "p99_ms": rounded(percentile(lags, 0.99), 1),
                "max_ms": rounded(max(lags), 1) if lags else None,
                "over_50ms": sum(1 for lag in lags if lag > 50),
                "late_seconds": rounded(sum(lags) / 1000, 3),
                "gc_oldest_generation": [[round(at - start, 3), round(1000 * seconds, 1)]
                                         for at, seconds, generation in self.collections
                                         if start <= at < end and generation == 2],
                "gc_ms": rounded(sum(1000 * seconds for at, seconds, _ in self.collections
                                     if start <= at < end), 1),
                # The longest stalls: [seconds after the window began, ms], in time order.
                "worst": [[round(at - start, 3), round(lag, 1)] for at, lag in
                          sorted(sorted(window, key=lambda w: -w[1])[:5])]}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.broadcast_fanout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000,
                        help="officers (private chats), the admin and the /due probes "
                             "among them")
    parser.add_argument("--groups", type=int, default=0,
                        help="bound groups too (the notice then goes to every unit: "
                             "members and groups)")
    add_due_arguments(parser, baseline="seconds of /due traffic alone before Send is pressed")
    parser.add_argument("--drain-messages", type=int, default=3_000,
                        help="stop once this many copies have reached Telegram")
    parser.add_argument("--full", action="store_true",
                        help="drain every copy (≈ 7 min for 10,000 at 25/s)")
    parser.add_argument("--rate", type=float, default=Settings().outbox_rate,
                        help="Settings.outbox_rate (default: the app's own)")
    parser.add_argument("--database-url",
                        help="a PostgreSQL server (postgresql+asyncpg://…): each run "
                             "creates a database of its own there and drops it")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--profile", type=Path,
                        help="profile the bot's process from the press until every row "
                             "is queued (first run; pyinstrument, else cProfile)")
    parser.add_argument("--no-gc-freeze", dest="gc_freeze", action="store_false",
                        help="what if the bot did not gc.freeze() once it is up (it does, "
                             "since commit 4a35f64: Service.run_until)")
    parser.add_argument("--queue-batch", type=int,
                        help=f"what if: rows per queueing transaction (the app's: "
                             f"{broadcasts_usecase.QUEUE_BATCH})")
    parser.add_argument("--json", type=Path, help="also write the JSON report here")
    args = parser.parse_args(argv)
    if args.probes >= args.recipients:
        parser.error("--probes must be fewer than --recipients")
    return args


async def _world(url: str, args: argparse.Namespace) -> tuple[Population, float]:
    async with running_app(Settings(database_url=url), clock=lambda: SETUP_AT) as app:
        started = time.perf_counter()
        # The probes come last: the officers' rows are queued (and sent) in id order.
        population = await populate(app, members=args.recipients - args.probes,
                                    groups=args.groups, probes=args.probes)
        # The reminder engine believes it ticked at START_AT: it queues nothing.
        await set_last_tick(app.sessions, START_AT)
        return population, time.perf_counter() - started


async def one_run(args: argparse.Namespace, index: int) -> dict[str, Any]:
    result: dict[str, Any] = {"load_average_at_start": report_info.load_average()}
    with tempfile.TemporaryDirectory(prefix="nhacviec-bench-") as directory:
        work = Path(directory)
        async with temporary_database(args.database_url, work) as url:
            result["database"] = url.split(":", 1)[0]
            population, seconds = await _world(url, args)
            result["setup_seconds"] = round(seconds, 2)
            config = Config(url, args.rate, args.due_rate, args.baseline,
                            0 if args.full else args.drain_messages,
                            args.profile if index == 0 else None, args.gc_freeze,
                            args.queue_batch)
            result.update(await measure(config, population, work))
    return result


async def _draft(app: App, population: Population) -> tuple[int, Audience]:
    """The notice as the admin composed it and chose who gets it, ready to send."""
    broadcasts = app.usecases.broadcasts
    admin = await app.services.member("telegram", str(ADMIN_ID))
    if admin is None or not admin.is_admin:
        raise RuntimeError("the admin was not bootstrapped from Settings.admins")
    draft = await broadcasts.draft(Content(TEXT, None, SENDER), creator=admin,
                                   actor=f"telegram:{ADMIN_ID}", language="vi",
                                   now=app.clock())
    audience = Audience(AudienceKind.UNITS, units=population.units) if population.groups \
        else Audience(AudienceKind.EVERYONE)
    if not await broadcasts.choose(draft.id, audience):
        raise RuntimeError("could not choose the audience")
    return draft.id, audience


async def _wait_delivered(telegram: TelegramProcess, broadcasts: Broadcasts,
                          broadcast_id: int, target: int, within: float) -> bool:
    """Until ``target`` copies have reached the fake (or, for all of them, nothing is
    left to send: a failed row never arrives)."""
    deadline = time.monotonic() + within
    looks = 0
    while time.monotonic() < deadline:
        if (await telegram.request(cmd="count", text=MARK))["count"] >= target:
            return True
        looks += 1
        if looks % 8 == 0 and not (await broadcasts.progress(broadcast_id)).remaining:
            return True
        await asyncio.sleep(POLL)
    return False


async def _wait_for_summary(telegram: TelegramProcess, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if (await telegram.request(cmd="count", text=LABELS["summary"]))["count"]:
            return True
        await asyncio.sleep(POLL)
    return False


async def _rows(app: App, broadcast_id: int) -> list[tuple[str, str]]:
    """(chat id, status) of every outbox row of the broadcast."""
    async with app.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.status)
            .where(OutboxMessage.group_key == broadcast_store.group_key(broadcast_id)))
        return [(str(chat), str(status)) for chat, status in rows]


async def _other_rows(app: App) -> int:
    """Outbox rows that are not the broadcast's (a reminder would be one): 0 expected."""
    async with app.sessions() as session:
        return int(await session.scalar(
            select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.kind != OutboxKind.BROADCAST.value)) or 0)


async def _broadcast_row(app: App, broadcast_id: int) -> dict[str, Any]:
    async with app.sessions() as session:
        row = await session.get(BroadcastRow, broadcast_id)
        assert row is not None
        return {"status": row.status, "total": row.total}


async def _profiled(path: Path | None, work: Coroutine[Any, Any, None]) -> str | None:
    """Run ``work`` under a profiler of the whole loop (every task: the Send handler and
    the /due answers alike), if a path is given."""
    if path is None:
        await work
        return None
    profiler = new_profiler(async_mode="disabled")
    profiler.start()
    try:
        await work
    finally:
        profiler.stop()
    return write_profile(profiler, path)


async def measure(config: Config, population: Population, work: Path) -> dict[str, Any]:
    async with TelegramProcess() as telegram:
        started = time.monotonic()

        def clock() -> datetime:
            return START_AT + timedelta(seconds=time.monotonic() - started)

        settings = bot_settings(config.database_url, config.rate, telegram.info,
                                admins=(f"telegram:{ADMIN_ID}",))
        async with running_app(settings, clock=clock) as app:
            broadcast_id, audience = await _draft(app, population)
            reach = await app.usecases.broadcasts.reach(audience)
            timings = Timings(app.usecases.broadcasts, telegram)
            service = Service(app)
            await service.start()
            if config.gc_freeze:
                # As Service.run_until does: everything the bot holds once started is
                # out of the collector's sight; a full collection walks what came after.
                gc.collect()
                gc.freeze()
            if config.queue_batch is not None:
                # Read at each call (a module global): the what-if takes effect now.
                broadcasts_usecase.QUEUE_BATCH = config.queue_batch
            lag = LoopLag()
            lag.start()
            webhook = service.http.url + WEBHOOK_PATH
            answers_file, dump = work / "due_answers.json", work / "telegram_calls.json"
            summary_seen = None
            try:
                if config.due_rate > 0:
                    await telegram.request(cmd="load", webhook=webhook, secret=SECRET,
                                           users=list(population.probes),
                                           rate=config.due_rate, exclude=MARK)
                timings.mark("baseline")
                await asyncio.sleep(config.baseline)
                pressed: dict[str, Any] = {}

                async def press_and_queue() -> None:
                    timings.mark("press")
                    pressed.update(await telegram.request(
                        cmd="press", webhook=webhook, secret=SECRET, user=ADMIN_ID,
                        data=f"bc:go:{broadcast_id}", message_id=CARD_MESSAGE_ID,
                        message_text="Xem trước thông báo"))
                    await asyncio.wait_for(timings.done.wait(), QUEUE_TIMEOUT)

                profile = await _profiled(config.profile, press_and_queue())
                if timings.result is not SendResult.QUEUED:
                    raise RuntimeError(f"Send answered {timings.result}")
                target = min(config.messages, reach.total) if config.messages else reach.total
                within = 120 + 4 * target / min(config.rate, TELEGRAM_LIMIT)
                complete = await _wait_delivered(telegram, app.usecases.broadcasts,
                                                 broadcast_id, target, within)
                timings.mark("finished")
                if not config.messages and complete:
                    # The monitor's summary replaces the card (it looks every 5 s).
                    summary_seen = await _wait_for_summary(
                        telegram, 3 * settings.broadcast_progress_seconds + 5)
                elif config.messages:
                    # Stopped as the admin's Stop button does: the rest is dropped.
                    # (Stopping the service alone would not do: the outbox worker
                    # looks at its stop signal only once nothing is left to send.)
                    await app.usecases.broadcasts.cancel(
                        broadcast_id, by=f"telegram:{ADMIN_ID}", now=app.clock())
                if config.due_rate > 0:
                    await telegram.request(cmd="stop_load", path=str(answers_file))
            finally:
                broadcasts_usecase.QUEUE_BATCH = APP_QUEUE_BATCH
                await lag.stop()
                if config.gc_freeze:
                    gc.unfreeze()
                await service.stop()
            await telegram.request(cmd="dump", path=str(dump), classify=LABELS)
            rows = await _rows(app, broadcast_id)
            other_rows = await _other_rows(app)
            final = await _broadcast_row(app, broadcast_id)
    calls = json.loads(dump.read_text(encoding="utf-8"))
    answers = json.loads(answers_file.read_text(encoding="utf-8")) \
        if config.due_rate > 0 else []
    result = _analyse(config, timings, float(pressed["posted"]), calls, answers, rows,
                      set(population.probes), complete, target)
    result["http_status_of_press"] = pressed["status"]
    result["reach"] = {"people": reach.people, "groups": reach.groups}
    result["broadcast_row"] = final
    result["other_outbox_rows"] = other_rows
    result["summary_card_seen"] = summary_seen
    result["loop_lag"] = {
        "baseline": lag.summary(timings.marks["baseline"].at, pressed["posted"]),
        "queueing": lag.summary(pressed["posted"], timings.marks["queued"].at),
        "drain": lag.summary(timings.marks["queued"].at, timings.marks["finished"].at),
    }
    result["cpu"] = {"baseline": timings.between("baseline", "press"),
                     "queueing": timings.between("press", "queued"),
                     "drain": timings.between("queued", "finished")}
    if profile:
        result["profile"] = profile
    return result


def _analyse(config: Config, timings: Timings, pressed: float, calls: list[list[Any]],
             answers: list[dict[str, Any]], rows: list[tuple[str, str]], probes: set[int],
             complete: bool, target: int) -> dict[str, Any]:
    marks = {name: mark.at for name, mark in timings.marks.items()}
    queued, finished = marks["queued"], marks["finished"]
    admin = str(ADMIN_ID)
    ok = [c for c in calls if c[2] == 200]
    card = next((c for c in ok if c[4] == "card" and str(c[1]) == admin
                 and c[0].startswith("edit") and c[3] >= pressed), None)
    copies = [c for c in ok if c[4] == "broadcast"]
    copy_times = sorted(c[3] for c in copies if c[3] <= finished)
    first, last = (copy_times[0], copy_times[-1]) if copy_times else (0.0, 0.0)
    all_ok_times = [c[3] for c in ok if first <= c[3] <= last]
    busiest = busiest_second(all_ok_times)
    during = [c for c in calls if pressed <= c[3] <= finished]
    refused = [c for c in during if c[2] == 429]
    # Each recipient has a chat of its own (private chat = user id, one per group), so
    # a chat whose row is 'sent' but that got nothing lost it, and more copies than
    # rows is a duplicate.
    want = Counter(chat for chat, _ in rows)
    sent_rows = Counter(chat for chat, status in rows if status == "sent")
    got = Counter(str(c[1]) for c in copies)
    statuses = Counter(status for _, status in rows)
    return {
        "outbox_rate": config.rate,
        "target_copies": target,
        "complete": complete,
        "rows_queued": timings.queued_rows,
        # The press: from the fake posting the callback to the card's edit arriving.
        "press_to_card_ms": rounded(1000 * (card[3] - pressed), 1) if card else None,
        "queueing_seconds": round(queued - pressed, 3),
        "handler_steps_ms": {
            # webhook → PTB's queue → the admin's lane → router, rights, get
            "press_to_send": rounded(1000 * (marks["send_started"] - pressed), 1),
            # get, the audience resolved (is anybody there?), draft → queueing
            "send_to_queue": rounded(1000 * (marks["queue_started"] - marks["send_started"]), 1),
            # the audience again, the drafts, the batches, counts, → sending
            "queue": rounded(1000 * (queued - marks["queue_started"]), 1),
            "queued_to_send_returned": rounded(1000 * (marks["send_returned"] - queued), 1),
            # audit, get, progress counts, the card, its edit through PTB to the fake
            "send_returned_to_card": rounded(1000 * (card[3] - marks["send_returned"]), 1)
            if card else None,
        },
        "marks_after_press_seconds": {name: round(at - pressed, 3)
                                      for name, at in sorted(marks.items(), key=lambda m: m[1])
                                      if name not in ("baseline",)},
        "first_copy_after_press_seconds": rounded(first - pressed, 3) if copies else None,
        "drain_seconds": round(last - first, 2),
        "copies_delivered_by_stop": len(copy_times),
        "broadcast_per_second": rounded(rate(copy_times)),
        "broadcast_per_second_steady": rounded(middle_rate(copy_times)),
        "all_messages_per_second": rounded(rate(all_ok_times)),
        "all_messages_per_second_steady": rounded(middle_rate(all_ok_times)),
        "fraction_of_limit": rounded((rate(all_ok_times) or 0) / TELEGRAM_LIMIT, 4),
        "fraction_of_limit_steady": rounded((middle_rate(all_ok_times) or 0)
                                            / TELEGRAM_LIMIT, 4),
        "busiest_second": busiest[0],
        "busiest_second_at": None if busiest[1] is None else round(busiest[1] - pressed, 2),
        "requests": len(during),
        "answered_429": len(refused),
        "answered_429_to_due": sum(1 for c in refused if c[1] in probes),
        "answered_429_to_admin": sum(1 for c in refused if str(c[1]) == admin),
        "answered_429_at": [round(c[3] - pressed, 2) for c in refused][:20],
        "percent_429": rounded(100 * len(refused) / len(during) if during else 0, 3),
        "other_errors": sum(1 for c in during if c[2] not in (200, 429)),
        "lost": sum(max(0, sent_rows[chat] - got[chat]) for chat in sent_rows),
        "duplicates": sum(max(0, got[chat] - want[chat]) for chat in got if chat in want),
        "unexpected_recipients": sum(n for chat, n in got.items() if chat not in want),
        "delivered_not_marked_sent": sum(max(0, got[chat] - sent_rows[chat])
                                         for chat in got if chat in want),
        "outbox_status": dict(statuses),
        "due_baseline": due_latency(answers, float("-inf"), pressed),
        "due_queueing": due_latency(answers, pressed, queued),
        "due_drain": due_latency(answers, queued, finished),
        # Raw, for pooling over runs: a queueing lasts seconds, a handful of /due.
        "due_queueing_latencies_ms": [round(x, 1) for x in due_latencies(answers, pressed,
                                                                         queued)],
    }


def _pooled(report: dict[str, Any]) -> dict[str, Any]:
    """/due during queueing, every run's answers together."""
    latencies = [x for run in report["runs"] for x in run["due_queueing_latencies_ms"]]
    return {"answers": len(latencies), "p50_ms": rounded(percentile(latencies, 0.5), 1),
            "p95_ms": rounded(percentile(latencies, 0.95), 1),
            "p99_ms": rounded(percentile(latencies, 0.99), 1),
            "max_ms": rounded(max(latencies), 1) if latencies else None}


def _verdicts(summary: dict[str, Any], pooled: dict[str, Any] | None) -> list[str]:
    lines = []

    def mark(ok: bool) -> str:
        return "MET   " if ok else "MISSED"

    def latency(name: str) -> str:
        d = summary[name]
        return (f"p50 {d['p50_ms']} ms, p95 {d['p95_ms']} ms, p99 {d['p99_ms']} ms, max "
                f"{d['max_ms']} ms ({d['asked']} asked, {d['unanswered']} unanswered)")

    base = summary["due_baseline"]["p99_ms"]
    lines.append(f"         /due alone (baseline): {latency('due_baseline')}")
    for phase in ("due_queueing", "due_drain"):
        d = summary[phase]
        # A queueing sees two or three /due a run: judged on every run's together.
        p99 = pooled["p99_ms"] if phase == "due_queueing" and pooled else d["p99_ms"]
        ratio = p99 / base if p99 is not None and base else None
        ok = (p99 is not None and p99 < DUE_P99_TARGET and ratio is not None
              and ratio <= DUE_RATIO_TARGET and not d["unanswered"])
        verdict = mark(ok) if p99 is not None else " n/a  "
        ratio_text = f"{ratio:.2f}×" if ratio is not None else "n/a"
        lines.append(f"[{verdict}] /due {phase.split('_')[1]}: {latency(phase)}; p99 = "
                     f"{ratio_text} baseline (target ≤ {DUE_RATIO_TARGET:.0f}× and < "
                     f"{DUE_P99_TARGET:.0f} ms)")
        if phase == "due_queueing" and pooled:
            lines.append(f"         (judged on all runs pooled: {pooled['answers']} answers, "
                         f"p50 {pooled['p50_ms']} ms, p99 {pooled['p99_ms']} ms, max "
                         f"{pooled['max_ms']} ms)")
    steps = ", ".join(f"{k} {v} ms" for k, v in summary["handler_steps_ms"].items())
    lines.append(f"         Send pressed → card {summary['press_to_card_ms']} ms; all "
                 f"{summary['rows_queued']} rows queued after {summary['queueing_seconds']} s "
                 f"({steps})")
    for phase in ("baseline", "queueing", "drain"):
        lag, cpu = summary["loop_lag"][phase], summary["cpu"][phase]
        lines.append(f"         {phase}: event loop late p99 {lag['p99_ms']} ms, max "
                     f"{lag['max_ms']} ms, {lag['over_50ms']} stalls > 50 ms; CPU bot "
                     f"{cpu.get('bot_cpu_percent')} %, fake Telegram "
                     f"{cpu.get('telegram_cpu_percent')} %, everything else "
                     f"{cpu.get('other_cpu_percent')} % (100 % = one core)")
    fraction = summary["fraction_of_limit"] or 0
    lines.append(f"[{mark(fraction >= THROUGHPUT_TARGET)}] drain of "
                 f"{summary['copies_delivered_by_stop']} copies: {summary['broadcast_per_second']}"
                 f" broadcast msg/s, {summary['all_messages_per_second']} msg/s in all = "
                 f"{100 * fraction:.1f} % of 30/s (steady "
                 f"{100 * (summary['fraction_of_limit_steady'] or 0):.1f} %); busiest second "
                 f"{summary['busiest_second']}")
    lines.append(f"[{mark(summary['percent_429'] <= MAX_429_PERCENT)}] 429 answers: "
                 f"{summary['answered_429']} of {summary['requests']} "
                 f"({summary['percent_429']} %; to /due chats {summary['answered_429_to_due']})")
    lines.append(f"[{mark(summary['lost'] == 0 and summary['duplicates'] == 0)}] lost "
                 f"{summary['lost']}, duplicates {summary['duplicates']}, unexpected "
                 f"{summary['unexpected_recipients']}; outbox {summary['outbox_status']}; "
                 f"other outbox rows {summary['other_outbox_rows']}")
    return lines


def _with_pooled(report: dict[str, Any]) -> None:
    if len(report["runs"]) > 1:
        report["due_queueing_pooled"] = _pooled(report)


def main(argv: list[str] | None = None) -> None:
    report_info.run_and_report(
        _arguments(argv), one_run, "broadcast fan-out",
        lambda summary, report: _verdicts(summary, report.get("due_queueing_pooled")),
        finish=_with_pooled)


if __name__ == "__main__":
    main()

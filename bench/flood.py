"""One officer floods the bot while the others ask /due: are their answers slower?

    python -m bench.flood [--probes 100] [--due-rate 5] [--phase-seconds 30]
                          [--flood-rates 10,50] [--runs 3] [--json FILE]

Issue 9's promise: *one user sending hundreds of messages a minute is throttled, and
the other users' p99 latency stays within 2× of normal.*

The world (``bench/world.py``): ``--probes`` officers who take turns asking /due, and
one more officer of the same kind, the flooder, on a fresh SQLite file. The bot runs
as in production (``bot.runner.Service``: the webhook, python-telegram-bot with the
priority rate limiter, the scheduler and the outbox worker), on the real clock (the
calendar moved to 01/08/2023 08:05; no reminder falls due), against the fake
Telegram in its own process (``bench/telegram_process.py``: 30/s overall, 1/s per
chat, 429 beyond), which posts the /due load open-loop at ``--due-rate`` and the
flood beside it.

Phases, each ``--phase-seconds`` long, one after the other in one bot: /due alone
(normal), then the flood at each of ``--flood-rates`` messages a second (10/s = 600 a
minute; 50/s). The flood posts, in turn, /due, a question in words, a progress
update, the month's real "next" button, a forged button and small talk. /due
latency is measured per phase, from the fake posting the update to the answer
reaching it.

Prints one JSON object (the runs and, with --runs > 1, their medians), then a human
summary with the target met or missed. A benchmark, not a test: it runs on the real
clock, talks only to 127.0.0.1, and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench import report as report_info
from bench.broadcast_fanout import LoopLag
from bench.drain import (
    SECRET,
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
from bench.stats import percentile
from bench.world import SETUP_AT, TICK, populate, set_last_tick, temporary_database
from bot.app import running_app
from bot.channels.telegram.channel import WEBHOOK_PATH
from bot.config import Settings
from bot.lanes import Lanes
from bot.runner import Service
from storage.models import OutboxMessage, ProgressUpdate

START_AT = TICK + timedelta(minutes=4)  # the app's clock at start: no reminder falls due
SLOW_DOWN = "Bạn đang gửi tin nhắn rất nhanh"  # the throttle's notice, in Vietnamese
RATIO_TARGET = 2.0  # flooded p99 ≤ 2 × normal p99


@dataclass
class Phase:
    name: str
    flood_rate: float  # messages a second; 0: no flood
    start: float = 0.0  # time.monotonic()
    end: float = 0.0
    bot_cpu: float = 0.0
    telegram_cpu: float | None = None
    machine: tuple[float, ...] | None = None
    cpu: dict[str, float | None] = field(default_factory=dict)
    flood: dict[str, Any] = field(default_factory=dict)


@dataclass
class Backlog:
    """The flooder's lane after every submit, and PTB's update queue: the flood's
    memory footprint in the bot. A wrapper on the channel's ``Lanes`` instance."""

    lanes: Lanes
    key: int
    queue: asyncio.Queue[object]
    lane_high: int = 0
    queue_high: int = 0
    dropped: int = 0

    def install(self) -> None:
        submit = self.lanes.submit

        def watched(lane: Any, job: Any) -> bool:
            accepted = submit(lane, job)
            if lane == self.key:
                self.dropped += not accepted
                self.lane_high = max(self.lane_high, self.lanes.backlog(self.key))
            self.queue_high = max(self.queue_high, self.queue.qsize())
            return accepted

        self.lanes.submit = watched  # type: ignore[method-assign]

    def take(self) -> dict[str, int]:
        """The high-water marks since the last take."""
        taken = {"lane_high_water": self.lane_high, "update_queue_high_water":
                 self.queue_high, "dropped_by_the_lane": self.dropped}
        self.lane_high = self.queue_high = self.dropped = 0
        return taken


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.flood",
                                     description=__doc__.split("\n\n")[0])
    add_due_arguments(parser, baseline="(unused: see --phase-seconds)")
    parser.add_argument("--phase-seconds", type=float, default=30.0,
                        help="length of each phase (normal, then one per flood rate)")
    parser.add_argument("--flood-rates", default="10,50",
                        help="the flooder's messages a second, one phase each")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the JSON report here")
    args = parser.parse_args(argv)
    args.flood_rates = [float(r) for r in str(args.flood_rates).split(",") if r]
    return args


async def _count(url: str, model: type[ProgressUpdate] | type[OutboxMessage]) -> int:
    async with running_app(Settings(database_url=url), clock=lambda: START_AT) as app, \
            app.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def one_run(args: argparse.Namespace, index: int) -> dict[str, Any]:
    result: dict[str, Any] = {"load_average_at_start": report_info.load_average()}
    with tempfile.TemporaryDirectory(prefix="nhacviec-bench-") as directory:
        work = Path(directory)
        async with temporary_database(None, work) as url:
            async with running_app(Settings(database_url=url), clock=lambda: SETUP_AT) as app:
                population = await populate(app, members=0, groups=0, probes=args.probes + 1)
                await set_last_tick(app.sessions, START_AT)
            probes, flooder = list(population.probes[:-1]), population.probes[-1]
            unit = population.units[args.probes % len(population.units)]
            result.update(await measure(args, url, probes, flooder, unit, work))
            result["progress_rows"] = await _count(url, ProgressUpdate)
            result["outbox_rows"] = await _count(url, OutboxMessage)
    return result


async def measure(args: argparse.Namespace, url: str, probes: list[int], flooder: int,
                  unit: str, work: Path) -> dict[str, Any]:
    phases = [Phase("normal", 0.0)] + [Phase(f"flood_{rate:g}_per_second", rate)
                                       for rate in args.flood_rates]
    async with TelegramProcess() as telegram:
        started = time.monotonic()

        def clock() -> datetime:
            return START_AT + timedelta(seconds=time.monotonic() - started)

        settings = bot_settings(url, Settings().outbox_rate, telegram.info)
        async with running_app(settings, clock=clock) as app:
            service = Service(app)
            await service.start()
            assert service.telegram is not None
            backlog = Backlog(service.telegram.lanes, flooder,
                              service.telegram.application.update_queue)
            backlog.install()
            gc.collect()
            gc.freeze()  # as Service.run_until does
            lag = LoopLag()
            lag.start()
            webhook = service.http.url + WEBHOOK_PATH
            answers_file, dump = work / "due_answers.json", work / "telegram_calls.json"
            try:
                await telegram.request(cmd="load", webhook=webhook, secret=SECRET,
                                       users=probes, rate=args.due_rate)
                for phase in phases:
                    phase.start, phase.bot_cpu = time.monotonic(), time.process_time()
                    phase.telegram_cpu, phase.machine = telegram.cpu_seconds(), machine_cpu()
                    backlog.take()
                    if phase.flood_rate:
                        await telegram.request(cmd="flood", webhook=webhook, secret=SECRET,
                                               user=flooder, unit=unit, rate=phase.flood_rate)
                    await asyncio.sleep(args.phase_seconds)
                    if phase.flood_rate:
                        phase.flood = await telegram.request(cmd="stop_flood")
                    phase.end = time.monotonic()
                    after = telegram.cpu_seconds()
                    phase.cpu = cpu_shares(
                        time.process_time() - phase.bot_cpu,
                        None if after is None or phase.telegram_cpu is None
                        else after - phase.telegram_cpu,
                        cpu_difference(machine_cpu(), phase.machine), phase.end - phase.start)
                    phase.flood.update(backlog.take())
                await telegram.request(cmd="stop_load", path=str(answers_file))
            finally:
                await lag.stop()
                gc.unfreeze()
                await service.stop()
            await telegram.request(cmd="dump", path=str(dump),
                                   classify={"slow_down": SLOW_DOWN})
    answers = json.loads(answers_file.read_text(encoding="utf-8"))
    calls = json.loads(dump.read_text(encoding="utf-8"))
    return _analyse(phases, answers, calls, flooder, lag)


def _analyse(phases: list[Phase], answers: list[dict[str, Any]], calls: list[list[Any]],
             flooder: int, lag: LoopLag) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for phase in phases:
        inside = [c for c in calls if phase.start <= c[3] < phase.end]
        to_flooder = [c for c in inside if str(c[1]) == str(flooder)]
        result[phase.name] = {
            "due": due_latency(answers, phase.start, phase.end),
            "due_latencies_ms": [round(x, 1) for x in
                                 due_latencies(answers, phase.start, phase.end)],
            "flood_rate": phase.flood_rate,
            "flood": phase.flood,
            "to_flooder_ok": sum(1 for c in to_flooder if c[2] == 200),
            "slow_down_notices": sum(1 for c in to_flooder if c[2] == 200
                                     and c[4] == "slow_down"),
            "answered_429": sum(1 for c in inside if c[2] == 429),
            "answered_429_to_others": sum(1 for c in inside if c[2] == 429
                                          and str(c[1]) != str(flooder)),
            "loop_lag": lag.summary(phase.start, phase.end),
            "cpu": phase.cpu,
        }
    return result


def _pooled(report: dict[str, Any], phase: str) -> float | None:
    latencies = [x for run in report["runs"] for x in run[phase]["due_latencies_ms"]]
    return rounded(percentile(latencies, 0.99), 1)


def _verdicts(summary: dict[str, Any], report: dict[str, Any]) -> list[str]:
    names = [name for name, value in summary.items()
             if isinstance(value, dict) and "due" in value]
    normal = summary["normal"]["due"]["p99_ms"]
    lines = []
    for name in names:
        phase = summary[name]
        due = phase["due"]
        ratio = due["p99_ms"] / normal if due["p99_ms"] is not None and normal else None
        pooled = _pooled(report, name)
        text = (f"{name}: /due p50 {due['p50_ms']} ms, p99 {due['p99_ms']} ms (all runs "
                f"pooled {pooled} ms), max {due['max_ms']} ms; {due['asked']} asked, "
                f"{due['unanswered']} unanswered")
        if name == "normal":
            lines.append("         " + text)
            continue
        ok = ratio is not None and ratio <= RATIO_TARGET and not due["unanswered"]
        flood = phase["flood"]
        lines.append(f"[{'MET   ' if ok else 'MISSED'}] {text}; p99 = "
                     f"{ratio:.2f}× normal (target ≤ {RATIO_TARGET:.0f}×)" if ratio else text)
        lines.append(f"         flood: {flood.get('posts')} posted {flood.get('statuses')}; "
                     f"{phase['to_flooder_ok']} messages to the flooder "
                     f"({phase['slow_down_notices']} slow-down); lane high-water "
                     f"{flood.get('lane_high_water')}, update queue high-water "
                     f"{flood.get('update_queue_high_water')}; 429s "
                     f"{phase['answered_429']} ({phase['answered_429_to_others']} to others)")
    for name in names:
        cpu, loop = summary[name]["cpu"], summary[name]["loop_lag"]
        lines.append(f"         {name}: CPU bot {cpu.get('bot_cpu_percent')} %, fake "
                     f"{cpu.get('telegram_cpu_percent')} %, else "
                     f"{cpu.get('other_cpu_percent')} %; loop late p99 {loop['p99_ms']} ms")
    lines.append(f"         rows at the end: progress {summary['progress_rows']}, outbox "
                 f"{summary['outbox_rows']}")
    return lines


def main(argv: list[str] | None = None) -> None:
    report_info.run_and_report(_arguments(argv), one_run, "flood", _verdicts)


if __name__ == "__main__":
    main()

"""Issue 9's scale: 5,000 units, 50,000 tasks, 1,000,000 progress updates and
100,000 members. Is `/due` still fast (p99 < 20 ms), a cycle report quick (< 2 s),
start-up short (< 3 s) and the process small (< 200 MB resident)?

    python -m bench.scale [--database-url URL] [--units 5000] [--tasks 50000]
                          [--updates 1000000] [--members 100000] [--samples 2000]
                          [--warmup 200] [--runs 1] [--process-due 300]
                          [--profile-due FILE] [--profile-report FILE] [--json FILE]

The world (``bench/scale_world.py``) is built once per invocation, in a child
process (so that its million generated rows do not stay in this one's memory), on a
fresh SQLite file (WAL) in a temporary directory, or a fresh PostgreSQL database
with ``--database-url`` (created on that server, dropped afterwards). Then each of
``--runs`` runs measures, on that same world:

1. **In process** (the app as ``running_app`` builds it, clock at 10/11/2023 09:00):
   start-up (migrate check, seed check, the snapshot); ``/due`` from
   ``--warmup`` + ``--samples`` distinct officers of random units through
   ``Router.handle`` — the path every channel's message takes — with the answer
   rendered as the Telegram channel sends it (``to_html`` and the inline keyboard);
   an admin's ``/due Sở Tư pháp`` twice (the first name looked up builds the unit
   matcher); the admin's ``/report`` (summary and chart) the same way, parts timed
   apart; this process's VmRSS/VmHWM afterwards.
2. **The bot as a process**: ``python -m bot run`` with a Telegram token, a
   webhook and the fake Bot API (``tests/fakes``) in this process; start-up is from
   the launch to ``/healthz`` answering 200; VmRSS/VmHWM from ``/proc/<pid>/status``
   then, and again after ``--process-due`` ``/due`` posted to its webhook (four at
   a time) and one admin ``/report``, all answered.

Prints the JSON (with ``--runs`` > 1 the medians too), then each target met or
missed. A benchmark, not a test: real clock, 127.0.0.1 only, nothing asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import itertools
import multiprocessing
import os
import pstats
import random
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bench import report as report_info
from bench.scale_world import ADMIN_ID, MEMBER_ID_BASE, NOW, World, build
from bench.stats import medians, percentile
from bench.world import temporary_database
from bot.app import App, running_app
from bot.channels.telegram.channel import SECRET_HEADER, WEBHOOK_PATH
from bot.channels.telegram.sender import keyboard
from bot.config import Settings
from bot.i18n import translator
from bot.messages import ChatKind, Incoming, Reply
from bot.rich import to_html
from handlers.due_view import View
from handlers.report_view import render_summary
from tests.fakes.telegram_api import FakeTelegramApi
from tests.fakes.telegram_updates import message_update

DUE_P99_MS = 20.0
REPORT_SECONDS = 2.0
STARTUP_SECONDS = 3.0
RSS_MB = 200.0
SECRET = "scale-bench-secret"
ROOT = Path(__file__).resolve().parents[1]
HEALTH_TIMEOUT = 120.0
ANSWER_TIMEOUT = 120.0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url",
                        help="a PostgreSQL server (postgresql+asyncpg://…): a database of "
                             "its own is created there and dropped afterwards")
    parser.add_argument("--units", type=int, default=5_000)
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--updates", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=2_000, help="timed /due per run")
    parser.add_argument("--warmup", type=int, default=200, help="/due before timing")
    parser.add_argument("--reports", type=int, default=3, help="timed /report per run")
    parser.add_argument("--process-due", type=int, default=300,
                        help="/due posted to the bot process's webhook before its RSS")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--profile-due", type=Path,
                        help="cProfile of 300 /due after the timed ones (first run)")
    parser.add_argument("--profile-report", type=Path,
                        help="cProfile of one /report after the timed ones (first run)")
    parser.add_argument("--json", type=Path, help="also write the JSON report here")
    return parser.parse_args(argv)


# --- memory ------------------------------------------------------------------------------


def memory_mb(pid: int | str = "self") -> dict[str, float]:
    """VmRSS (resident now) and VmHWM (the peak) of a process, in MB (10^6 bytes)."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = round(int(value.split()[0]) * 1024 / 1e6, 1)
    return found


def _ms(values: list[float]) -> dict[str, Any]:
    def at(share: float) -> float | None:
        found = percentile(values, share)
        return round(found * 1000, 2) if found is not None else None

    return {"samples": len(values), "p50_ms": at(0.5), "p90_ms": at(0.9), "p99_ms": at(0.99),
            "max_ms": round(max(values) * 1000, 2) if values else None}


# --- in process --------------------------------------------------------------------------


def _settings(url: str) -> Settings:
    return Settings(database_url=url, admins=(f"telegram:{ADMIN_ID}",))


def _message(user: int, text: str, index: int) -> Incoming:
    return Incoming(channel="telegram", chat_id=str(user), user_id=str(user),
                    received_at=NOW + timedelta(milliseconds=index), text=text,
                    chat_kind=ChatKind.PRIVATE, display_name=f"Cán bộ {user}",
                    language_code="vi", message_id=str(index + 1))


def _rendered(replies: list[Reply]) -> int:
    """The replies as the Telegram channel sends them; their HTML's length."""
    size = 0
    for reply in replies:
        size += len(to_html(reply.body))
        keyboard(reply)
    return size


async def _timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await call()
    return time.perf_counter() - started, result


async def _due(app: App, users: list[int], offset: int,
               ) -> tuple[list[float], list[int], list[float]]:
    """Wall-clock latencies, answer sizes, and this process's CPU time per question
    (every thread: aiosqlite's too), which other work on the machine does not inflate."""
    latencies, sizes, cpu = [], [], []
    for index, user in enumerate(users):
        started, started_cpu = time.perf_counter(), time.process_time()
        replies = await app.router.handle(_message(user, "/due", offset + index))
        size = _rendered(replies)
        latencies.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        sizes.append(size)
    return latencies, sizes, cpu


async def _report_once(app: App, index: int) -> tuple[float, list[Reply]]:
    started = time.perf_counter()
    replies = await app.router.handle(_message(ADMIN_ID, "/report", 900_000 + index))
    _rendered(replies)
    return time.perf_counter() - started, replies


async def _report_parts(app: App) -> dict[str, Any]:
    """The /report's steps one by one, as handlers.report.show_cycle takes them."""
    reports, services = app.usecases.reports, app.services
    today = NOW.date()
    parts: dict[str, float] = {}
    started = time.perf_counter()
    cycle = reports.default_cycle(today)
    parts["default_cycle_s"] = time.perf_counter() - started
    if cycle is None:
        return {"cycle": None}
    seconds, report = await _timed(lambda: reports.report(cycle))
    parts["report_s"] = seconds
    view = View(translator("vi"), services.directory, services.workdays("vi"))
    started = time.perf_counter()
    summary = render_summary(report, view)
    html = to_html(summary)
    parts["summary_render_s"] = time.perf_counter() - started
    seconds, grid = await _timed(lambda: reports.grid(cycle, today))
    parts["grid_s"] = seconds
    started = time.perf_counter()
    try:
        chart_bytes: int | str = len((await reports.chart(grid, "vi")).content)
    except Exception as error:  # a miss is a figure too: say what failed
        chart_bytes = f"{type(error).__name__}: {error}"[:200]
    parts["chart_s"] = time.perf_counter() - started
    return {"cycle": cycle.key, "obligated": report.obligated, "reported": report.reported,
            "missing": report.obligated - report.reported, "updates": len(report.updates),
            "summary_characters": len(html), "chart_rows": len(grid.units),
            "chart_bytes": chart_bytes} | {k: round(v, 3) for k, v in parts.items()}


async def in_process(url: str, world: World, args: argparse.Namespace, run: int,
                     ) -> dict[str, Any]:
    rng = random.Random(1000 + run)
    gc.collect()
    before = memory_mb()
    started = time.perf_counter()
    async with running_app(_settings(url), clock=lambda: NOW) as app:
        startup = time.perf_counter() - started
        after_start = memory_mb()
        users = [MEMBER_ID_BASE + i for i in rng.sample(range(world.members - 1),
                                                        args.warmup + args.samples)]
        await _due(app, users[:args.warmup], 0)
        latencies, sizes, cpu = await _due(app, users[args.warmup:], args.warmup)
        check = await app.router.handle(_message(users[-1], "/due", 800_000))
        # An admin names a unit: the first name looked up builds the unit matcher.
        lookups = []
        for n in range(2):
            started_lookup = time.perf_counter()
            await app.router.handle(_message(ADMIN_ID, "/due Sở Tư pháp", 810_000 + n))
            lookups.append(time.perf_counter() - started_lookup)
        if args.profile_due and run == 0:
            await _profile(args.profile_due, lambda: _due(app, users[:300], 700_000))
        report_seconds: list[float] = []
        replies: list[Reply] = []
        for index in range(args.reports):
            seconds, replies = await _report_once(app, index)
            report_seconds.append(seconds)
        if args.profile_report and run == 0:
            await _profile(args.profile_report, lambda: _report_once(app, 99))
        parts = await _report_parts(app)
        after_load = memory_mb()
    return {
        "startup_seconds": round(startup, 3),
        "memory_mb": {"before_app": before, "after_start": after_start,
                      "after_load": after_load},
        "due_by_unit_name_s": {"first": round(lookups[0], 3), "second": round(lookups[1], 3)},
        "due": _ms(latencies) | {"cpu": _ms(cpu),
                                 "answer_html_characters_p50": percentile(sizes, 0.5),
                                 "sample_answer": to_html(check[0].body)[:300] if check
                                 else None},
        "report": {"seconds": [round(s, 3) for s in report_seconds],
                   "median_seconds": round(percentile(report_seconds, 0.5) or 0, 3),
                   "replies": [("photo" if r.attachment else "text") for r in replies],
                   "first_line": to_html(replies[0].body).splitlines()[0] if replies else None,
                   "parts": parts},
    }


async def _profile(path: Path, call: Callable[[], Awaitable[Any]]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        await call()
    finally:
        profiler.disable()
    with path.open("w") as output:
        stats = pstats.Stats(profiler, stream=output)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(30)


# --- the bot as a process ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _wait_healthy(port: int, process: asyncio.subprocess.Process) -> bool:
    deadline = time.monotonic() + HEALTH_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline and process.returncode is None:
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return True
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.02)
    return False


def _answers(api: FakeTelegramApi) -> int:
    return sum(1 for call in api.calls if call.ok and call.method in (
        "sendMessage", "sendPhoto", "sendDocument"))


async def as_process(url: str, world: World, args: argparse.Namespace, run: int,
                     work: Path) -> dict[str, Any]:
    rng = random.Random(2000 + run)
    port = _free_port()
    log = work / f"bot-{run}.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("NHACVIEC_")}
    result: dict[str, Any] = {}
    async with FakeTelegramApi() as api:
        env |= {"PTB_TIMEDELTA": "1", "NHACVIEC_DATABASE_URL": url,
                "NHACVIEC_TELEGRAM_TOKEN": api.token, "NHACVIEC_TELEGRAM_API_URL": api.api_url,
                "NHACVIEC_ADMINS": f"telegram:{ADMIN_ID}",
                "NHACVIEC_WEBHOOK_URL": "https://bot.example.gov.vn",
                "NHACVIEC_WEBHOOK_SECRET": SECRET, "NHACVIEC_HTTP_PORT": str(port),
                "NHACVIEC_LOG_LEVEL": "WARNING"}
        with log.open("ab") as output:
            started = time.monotonic()
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stdout=output,
                stderr=output)
            try:
                healthy = await _wait_healthy(port, process)
                result["startup_seconds"] = round(time.monotonic() - started, 3)
                result["healthy"] = healthy
                if not healthy:
                    result["log_tail"] = log.read_text(errors="replace")[-2000:]
                    return result
                result["memory_mb_after_start"] = memory_mb(process.pid)
                result |= await _process_load(api, port, world, args, rng)
                result["memory_mb_after_load"] = memory_mb(process.pid)
                if result["process_load"]["answers"] < args.process_due + 2:
                    result["log_tail"] = log.read_text(errors="replace")[-3000:]
            finally:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                    try:
                        await asyncio.wait_for(process.wait(), 30)
                    except TimeoutError:
                        process.kill()
                        await process.wait()
    return result


async def _process_load(api: FakeTelegramApi, port: int, world: World,
                        args: argparse.Namespace, rng: random.Random) -> dict[str, Any]:
    users = [MEMBER_ID_BASE + i for i in rng.sample(range(world.members - 1),
                                                    args.process_due)]
    address = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    baseline = _answers(api)
    started = time.monotonic()
    gate = asyncio.Semaphore(4)
    statuses: list[int] = []
    ids = itertools.count(1)

    async def post(session: aiohttp.ClientSession, user: int, text: str) -> None:
        update = message_update(text, user_id=user, update_id=next(ids))
        async with gate, session.post(address, json=update,
                                      headers={SECRET_HEADER: SECRET}) as response:
            statuses.append(response.status)

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(post(session, user, "/due") for user in users))
        await post(session, ADMIN_ID, "/report")
    wanted = len(users) + 2  # the /report: its summary and its chart
    deadline = time.monotonic() + ANSWER_TIMEOUT
    while _answers(api) - baseline < wanted and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    return {"process_load": {"posted": len(users) + 1, "statuses": sorted(set(statuses)),
                             "accepted": statuses.count(200),
                             "answers": _answers(api) - baseline,
                             "seconds": round(time.monotonic() - started, 2)}}


# --- orchestration -----------------------------------------------------------------------


def _build_in_child(url: str, units: int, tasks: int, members: int, updates: int) -> World:
    return asyncio.run(build(url, units=units, tasks=tasks, members=members, updates=updates))


async def _build(url: str, args: argparse.Namespace) -> World:
    context = multiprocessing.get_context("spawn")
    loop = asyncio.get_running_loop()
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return await loop.run_in_executor(pool, _build_in_child, url, args.units, args.tasks,
                                          args.members, args.updates)


def _megabytes(work: Path) -> float:
    return round(sum(p.stat().st_size for p in work.glob("bench.db*")) / 1e6, 1)


async def collect(args: argparse.Namespace) -> dict[str, Any]:
    info = report_info.machine()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="nhacviec-scale-") as directory:
        work = Path(directory)
        async with temporary_database(args.database_url, work) as url:
            load = report_info.load_average()
            started = time.perf_counter()
            world = await _build(url, args)
            built = {"seconds": round(time.perf_counter() - started, 1),
                     "load_average_at_start": load, "steps": world.build_seconds,
                     "units": world.units, "concrete_units": world.concrete_units,
                     "tasks": world.tasks, "members": world.members,
                     "updates": world.updates, "report_cycles": len(world.report_cycles),
                     "report_obligated": world.report_obligated}
            print(f"world built in {built['seconds']} s", file=sys.stderr, flush=True)
            if url.startswith("sqlite"):
                built["database_megabytes"] = _megabytes(work)
            for run in range(args.runs):
                result: dict[str, Any] = {"load_average_at_start": report_info.load_average()}
                result["in_process"] = await in_process(url, world, args, run)
                result["process"] = await as_process(url, world, args, run, work)
                runs.append(result)
                print(f"run {run + 1}/{args.runs} done", file=sys.stderr, flush=True)
    info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report: dict[str, Any] = {
        "machine": info, "database": "postgresql" if args.database_url else "sqlite",
        "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "world": built, "runs": runs}
    if len(runs) > 1:
        report["median"] = medians(runs)
    return report


def _verdicts(summary: dict[str, Any], database: str) -> list[str]:
    def mark(ok: bool) -> str:
        return "MET   " if ok else "MISSED"

    inside, process = summary["in_process"], summary["process"]
    due, report = inside["due"], inside["report"]
    lines = [f"[{mark(due['p99_ms'] < DUE_P99_MS)}] /due p99 {due['p99_ms']} ms (p50 "
             f"{due['p50_ms']}, max {due['max_ms']}; {due['samples']} officers) < "
             f"{DUE_P99_MS:.0f} ms on {database}",
             f"[{mark(report['median_seconds'] < REPORT_SECONDS)}] /report "
             f"{report['median_seconds']} s ({report['parts']}) < {REPORT_SECONDS:.0f} s"]
    startup = process.get("startup_seconds")
    if startup is not None and process.get("healthy"):
        lines.append(f"[{mark(startup < STARTUP_SECONDS)}] start-up (launch → /healthz 200) "
                     f"{startup} s < {STARTUP_SECONDS:.0f} s (in process: "
                     f"{inside['startup_seconds']} s)")
        rss = [process["memory_mb_after_start"], process.get("memory_mb_after_load", {})]
        peak = max(m.get("VmHWM", 0.0) for m in rss)
        lines.append(f"[{mark(peak < RSS_MB)}] bot process memory: after start {rss[0]}, "
                     f"after load {rss[1]} (MB) < {RSS_MB:.0f} MB; in process "
                     f"{inside['memory_mb']['after_load']}")
    else:
        lines.append(f"[MISSED] the bot process never answered /healthz: {process}")
    return lines


def main(argv: list[str] | None = None) -> None:
    import logging

    args = _arguments(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    report = asyncio.run(collect(args))
    print(report_info.write(report, args.json))
    summary = report.get("median", report["runs"][0])
    label = f"median of {len(report['runs'])} runs" if "median" in report else "one run"
    print(f"\n== scale on {report['database']} ({label}) ==")
    for line in _verdicts(summary, report["database"]):
        print(line)


if __name__ == "__main__":
    main()

"""Inbound: how many updates a second the bot handles through its Telegram webhook,
and how long each takes, beside bare python-telegram-bot and aiogram echo bots on
the same harness.

Three processes, as in production: the fake Bot API (``bench.telegram_process``,
no flood limits: it answers every call at once), the contender behind an aiohttp
webhook (``bench.bare_bots`` or ``bench.inbound_bot``), and this one, which only
drives them. The fake is also the loader: it posts the updates to the webhook and
counts the answers where the bot sends them, on one clock.

Per run and contender: a warm-up burst, then the measured burst (``--updates``
updates, one per officer, ``--concurrency`` posts at a time, as fast as the webhook
takes them, timed from the first post to the last answer), then ``--sequential``
updates one at a time (each posted once the last was answered: the latency of one
update on an idle bot).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import report as report_info
from bench.drain import TelegramProcess
from bench.report import REPO
from bench.stats import medians, percentile
from bench.world import PROBE_ID_BASE

SECRET = "bench-inbound-secret"
WARM_UP = 200
UPDATE_TEXT = "/update III.2 xong 80%, đã gửi báo cáo"


@dataclass(frozen=True)
class Contender:
    name: str
    command: tuple[str, ...]  # module and arguments, before the fake's address
    texts: tuple[str, ...] = ("/due",)
    what: str = ""


CONTENDERS = {c.name: c for c in (
    Contender("ptb", ("bench.bare_bots", "ptb"), ("echo",),
              "bare PTB echo, defaults (HTTPX, one update at a time)"),
    Contender("ptb-concurrent", ("bench.bare_bots", "ptb-concurrent"), ("echo",),
              "bare PTB echo, concurrent_updates(64), HTTPX"),
    Contender("ptb-aiohttp", ("bench.bare_bots", "ptb-aiohttp"), ("echo",),
              "bare PTB echo on the bot's AiohttpRequest"),
    Contender("ptb-aiohttp-concurrent", ("bench.bare_bots", "ptb-aiohttp-concurrent"),
              ("echo",), "bare PTB echo, concurrent_updates(64), AiohttpRequest"),
    Contender("aiogram", ("bench.bare_bots", "aiogram"), ("echo",), "bare aiogram 3 echo"),
    Contender("due", ("bench.inbound_bot", "--overall-rate", "100000"), ("/due",),
              "the bot: /due (webhook, router, database, reply), no rate cap"),
    Contender("update", ("bench.inbound_bot", "--overall-rate", "100000"), (UPDATE_TEXT,),
              "the bot: a progress update stored and confirmed, no rate cap"),
    Contender("due-capped", ("bench.inbound_bot",), ("/due",),
              "the bot: /due with Telegram's 30 messages/s (the default)"),
)}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contenders", default="ptb,ptb-concurrent,ptb-aiohttp,"
                        "ptb-aiohttp-concurrent,aiogram,due,update",
                        help=f"comma-separated, of: {', '.join(CONTENDERS)}")
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--sequential", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL server for the bot's database (default SQLite)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="pyinstrument profile of the bot's first run (the `due` …)")
    parser.add_argument("--json", type=Path, default=None)
    return parser.parse_args(argv)


class Contestant:
    """One contender's process, started against the fake's address."""

    def __init__(self, contender: Contender, telegram: dict[str, Any],
                 args: argparse.Namespace, profile: Path | None) -> None:
        self.argv = [sys.executable, "-m", *contender.command,
                     "--api-url", telegram["api_url"], "--token", telegram["token"],
                     "--secret", SECRET]
        if contender.command[0] == "bench.inbound_bot":
            self.argv += ["--officers", str(args.updates)]
            if args.database_url:
                self.argv += ["--database-url", args.database_url]
            if profile is not None:
                self.argv += ["--profile", str(profile)]
        self.process: asyncio.subprocess.Process | None = None
        self.info: dict[str, Any] = {}

    async def __aenter__(self) -> Contestant:
        environment = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = await asyncio.create_subprocess_exec(
            *self.argv, cwd=REPO, env=environment, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE)
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout=300)
        if not line:
            raise RuntimeError(f"{self.argv[2:4]} died before listening; see stderr")
        self.info = json.loads(line)
        return self

    def cpu_seconds(self) -> float:
        assert self.process is not None
        with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def __aexit__(self, *exc: object) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), timeout=60)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def _burst_figures(burst: dict[str, Any]) -> dict[str, Any]:
    answers = burst["answers"]
    latencies = [(done - at) * 1000 for _, at, done in answers if done is not None]
    last = max((done for _, _, done in answers if done is not None), default=None)
    span = None if last is None else last - burst["started"]
    return {
        "updates": len(answers),
        "answered": len(latencies),
        "lost": len(answers) - len(latencies),
        "seconds": None if span is None else round(span, 3),
        "updates_per_second": None if not span else round(len(latencies) / span, 1),
        "posting_seconds": round(burst["all_posted"] - burst["started"], 3),
        "p50_ms": _round(percentile(latencies, 0.5)),
        "p99_ms": _round(percentile(latencies, 0.99)),
        "max_ms": _round(max(latencies, default=None)),
        "statuses": burst["statuses"],
        "calls": burst["calls"],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


async def one_run(contender: Contender, args: argparse.Namespace,
                  profile: Path | None) -> dict[str, Any]:
    result: dict[str, Any] = {"load_average_at_start": report_info.load_average()}
    async with TelegramProcess("--no-limits") as telegram, \
            Contestant(contender, telegram.info, args, profile) as bot:
        users = bot.info.get("users") or [PROBE_ID_BASE + i for i in range(args.updates)]

        async def burst(who: list[int], concurrency: int, *,
                        sequential: bool = False) -> dict[str, Any]:
            return await telegram.request(cmd="burst", webhook=bot.info["webhook"],
                                          secret=SECRET, users=who,
                                          texts=list(contender.texts),
                                          concurrency=concurrency, timeout=300,
                                          sequential=sequential)

        await burst(users[:WARM_UP], args.concurrency)
        cpu_bot, cpu_fake = bot.cpu_seconds(), telegram.cpu_seconds()
        measured = _burst_figures(await burst(users, args.concurrency))
        cpu_bot, cpu_fake = bot.cpu_seconds() - cpu_bot, (telegram.cpu_seconds() or 0) \
            - (cpu_fake or 0)
        if measured["seconds"]:
            measured["bot_cpu_percent"] = round(100 * cpu_bot / measured["seconds"], 1)
            measured["telegram_cpu_percent"] = round(100 * cpu_fake / measured["seconds"], 1)
            measured["bot_cpu_ms_per_update"] = round(1000 * cpu_bot / max(1, measured[
                "answered"]), 3)
        result["burst"] = measured
        if args.sequential:
            result["sequential"] = _burst_figures(
                await burst(users[:args.sequential], 1, sequential=True))
    return result


async def run(args: argparse.Namespace) -> dict[str, Any]:
    names = [n.strip() for n in args.contenders.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONTENDERS]
    if unknown:
        raise SystemExit(f"unknown contenders: {', '.join(unknown)}")
    report: dict[str, Any] = {"machine": report_info.machine(), "arguments": vars(args) | {
        "profile": str(args.profile) if args.profile else None,
        "json": str(args.json) if args.json else None}, "contenders": {}}
    # Interleaved (run 1 of everyone, then run 2 …): a slow spell on the machine
    # falls on every contender alike rather than on one.
    runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for index in range(args.runs):
        for name in names:
            contender = CONTENDERS[name]
            profile = args.profile if index == 0 and name == names[-1] \
                and contender.command[0] == "bench.inbound_bot" else None
            result = await one_run(contender, args, profile)
            runs[name].append(result)
            burst = result["burst"]
            print(f"run {index + 1} {name:24} {burst['updates_per_second']} updates/s, "
                  f"p50 {burst['p50_ms']} ms, p99 {burst['p99_ms']} ms, "
                  f"lost {burst['lost']}; one at a time: p50 "
                  f"{result.get('sequential', {}).get('p50_ms')} ms", file=sys.stderr)
    for name in names:
        report["contenders"][name] = {"what": CONTENDERS[name].what, "runs": runs[name],
                                      "median": medians(runs[name])}
    baseline = report["contenders"].get("aiogram")
    if baseline:
        for name in names:
            ours = report["contenders"][name]["median"]["burst"]["updates_per_second"]
            theirs = baseline["median"]["burst"]["updates_per_second"]
            report["contenders"][name]["throughput_vs_aiogram"] = \
                round(ours / theirs, 3) if ours and theirs else None
    return report


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    report = asyncio.run(run(args))
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

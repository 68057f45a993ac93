"""One reminder occurrence for a whole province: enqueue it, then send it.

    python -m bench.reminder_fanout [--members 20000 --groups 2000]
                                    [--drain-messages 5000] [--rate 29] [--due-rate 5]
                                    [--runs 1] [--full] [--profile FILE] [--json FILE]
                                    [--what-if] [--no-limits]

1. Enqueue (SQLite): 20,000 officers and 2,000 groups over the 28 units that owe the
   seed plan's III.2 report of 05/08/2023; time the tick that crosses its before-3
   send time (Tue 01/08/2023 08:00), the next minute's tick, and a replay of the
   same tick (a restart, a second process), which must enqueue nothing. Then once
   more with timers on the engine's collaborators: where the time goes.
2. Drain: the bot as in production against a fake Telegram in another process that
   enforces 30 messages/s overall, 1/s per chat and 20/min per group (429 with
   retry_after beyond), while officers post /due to the webhook at ``--due-rate``.

Prints one JSON object (the runs and, with --runs > 1, their medians), then a
human summary with each target met or missed. A benchmark, not a test: it runs on
the real clock, talks only to 127.0.0.1, and asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import drain, enqueue, what_if
from bench import report as report_info
from bench.world import SETUP_AT, populate
from bot.app import running_app
from bot.config import Settings

ENQUEUE_TARGET = 5.0  # seconds
THROUGHPUT_TARGET = 0.95  # of Telegram's 30 messages/s
MAX_429_PERCENT = 1.0
DUE_P99_TARGET = 200.0  # ms


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reminder_fanout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--drain-messages", type=int, default=5_000,
                        help="outbox rows to drain (0: skip the drain)")
    parser.add_argument("--full", action="store_true", help="drain every row (~13 min)")
    parser.add_argument("--rate", type=float, default=29.0,
                        help="Settings.outbox_rate (29: see docs/benchmarks.md)")
    drain.add_due_arguments(
        parser, baseline="seconds of /due traffic before the drain, for comparison")
    parser.add_argument("--no-limits", action="store_true",
                        help="the fake answers every request (capacity of the sender)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--profile", type=Path,
                        help="write a profile of the enqueue tick here (pyinstrument)")
    parser.add_argument("--json", type=Path, help="also write the JSON summary here")
    parser.add_argument("--what-if", action="store_true",
                        help="also time the tick with a render cache / a leaner query")
    return parser.parse_args(argv)


async def one_run(args: argparse.Namespace, index: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="nhacviec-bench-") as directory:
        work = Path(directory)
        url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
        # Other work on the machine shows in the timings; say how busy it was.
        result: dict[str, Any] = {"load_average_at_start": report_info.load_average()}
        async with running_app(Settings(database_url=url), clock=lambda: SETUP_AT) as app:
            started = time.perf_counter()
            population = await populate(app, members=args.members, groups=args.groups,
                                        probes=args.probes)
            result["setup_seconds"] = round(time.perf_counter() - started, 2)
            result["units"] = len(population.units)
            measured = await enqueue.measure(app)
            result["enqueue"] = {
                "rows": measured.enqueued, "seconds": round(measured.seconds, 3),
                "rows_per_second": round(measured.rows_per_second),
                "next_tick_rows": measured.next_tick_enqueued,
                "next_tick_seconds": round(measured.next_tick_seconds, 3),
                "replay_rows": measured.replay_enqueued,
                "replay_seconds": round(measured.replay_seconds, 3),
                "rows_in_outbox": measured.rows_in_outbox,
                "payload_bytes_per_row": round(
                    measured.payload_bytes / max(1, measured.rows_in_outbox)),
                "payload_megabytes": round(measured.payload_bytes / 1e6, 1),
            }
            profile = args.profile if index == 0 else None
            parts = await enqueue.breakdown(app, profile)
            result["enqueue_breakdown"] = {
                "total_seconds": round(parts.total, 3),
                **{name: round(seconds, 3) for name, seconds in parts.seconds.items()},
            }
            result["enqueue_breakdown_calls"] = parts.calls
            if parts.missing:
                result["enqueue_breakdown"]["not_hooked"] = parts.missing
            if parts.profile:
                result["profile"] = parts.profile
            if args.what_if:
                result["what_if"] = await what_if.compare(app)
        messages = 0 if args.full else args.drain_messages
        if args.full or args.drain_messages > 0:
            config = drain.DrainConfig(url, args.rate, messages, args.due_rate,
                                       args.baseline, limits=not args.no_limits)
            result["drain"] = await drain.measure(config, population, work)
        return result


def _verdicts(summary: dict[str, Any]) -> list[str]:
    lines = []

    def mark(ok: bool) -> str:
        return "MET   " if ok else "MISSED"

    e = summary["enqueue"]
    lines.append(f"[{mark(e['seconds'] < ENQUEUE_TARGET)}] enqueue {e['rows']:.0f} rows in "
                 f"{e['seconds']:.2f} s ({e['rows_per_second']:.0f} rows/s; target < "
                 f"{ENQUEUE_TARGET:.0f} s)")
    lines.append(f"[{mark(e['replay_rows'] == 0)}] replayed tick enqueued "
                 f"{e['replay_rows']:.0f} rows in {e['replay_seconds']:.2f} s; next tick "
                 f"{e['next_tick_rows']:.0f} rows in {e['next_tick_seconds'] * 1000:.0f} ms")
    b = summary["enqueue_breakdown"]
    total = b["total_seconds"]
    parts = ", ".join(f"{name} {seconds:.2f} s ({100 * seconds / total:.0f} %)"
                      for name, seconds in b.items()
                      if name != "total_seconds" and isinstance(seconds, float))
    lines.append(f"         where the time goes (timed tick, {total:.2f} s): {parts}")
    if "what_if" in summary:
        tried = ", ".join(f"{name} {v['seconds']:.2f} s"
                          + ("" if v.get("same_rows", True) else " (DIFFERENT ROWS)")
                          for name, v in summary["what_if"].items())
        lines.append(f"         what if: {tried}")
    d = summary.get("drain")
    if d:
        fraction = d["fraction_of_limit"] or 0
        lines.append(
            f"[{mark(fraction >= THROUGHPUT_TARGET)}] drain {d['messages']} rows at "
            f"outbox_rate {d['outbox_rate']}: {d['all_messages_per_second']} msg/s "
            f"all messages = {100 * fraction:.1f} % of 30/s (steady "
            f"{100 * (d['fraction_of_limit_steady'] or 0):.1f} %); reminders alone "
            f"{d['reminders_per_second']} msg/s; busiest second {d['busiest_second']}"
            + (f" (at {d['busiest_second_at']} s)" if "busiest_second_at" in d else ""))
        when = d.get("answered_429_at")
        lines.append(f"[{mark(d['percent_429'] <= MAX_429_PERCENT)}] 429 answers: "
                     f"{d['answered_429']} of {d['requests']} ({d['percent_429']} %)"
                     + (f", at {when} s into the drain" if isinstance(when, list) and when
                        else ""))
        lines.append(f"[{mark(d['lost'] == 0 and d['duplicates'] == 0)}] lost {d['lost']}, "
                     f"duplicates {d['duplicates']}, unexpected {d['unexpected_recipients']}"
                     f"; rows retried {d['rows_retried']}; outbox {d['outbox_status']}")
        if "other_cpu_percent" in d:
            lines.append(f"         CPU over the drain: bot {d['bot_cpu_percent']} %, "
                         f"fake Telegram {d['telegram_cpu_percent']} %, everything else "
                         f"{d['other_cpu_percent']} %, stolen {d['steal_percent']} %, "
                         f"I/O wait {d['iowait_percent']} % (100 % = one core)")
        due, base = d["due"], d["due_baseline"]
        if due["asked"]:
            p99 = due["p99_ms"]
            lines.append(
                f"[{mark(p99 is not None and p99 < DUE_P99_TARGET and not due['unanswered'])}]"
                f" /due during the drain: p50 {due['p50_ms']} ms, p95 {due['p95_ms']} ms, "
                f"p99 {p99} ms, max {due['max_ms']} ms ({due['asked']} asked, "
                f"{due['unanswered']} unanswered); before it: p50 {base['p50_ms']} ms, "
                f"p99 {base['p99_ms']} ms")
    return lines


def main(argv: list[str] | None = None) -> None:
    report_info.run_and_report(_arguments(argv), one_run, "reminder fan-out",
                               lambda summary, report: _verdicts(summary))


if __name__ == "__main__":
    main()

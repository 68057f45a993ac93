"""What every benchmark's JSON records about where it ran: the code (commit) and the
machine (CPUs, how busy it was), and how it is written out."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.stats import medians

REPO = Path(__file__).resolve().parents[1]


def commit() -> str | None:
    """The code measured: HEAD, marked when the working tree differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True, cwd=REPO).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True,
                               cwd=REPO).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}+changes" if dirty else head


def machine() -> dict[str, Any]:
    return {"commit": commit(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "platform": platform.platform(), "load_average": [round(x, 2) for x in
                                                              os.getloadavg()]}


def load_average() -> float:
    """The one-minute load average now: other work on the machine shows in timings."""
    return round(os.getloadavg()[0], 2)


def write(report: dict[str, Any], path: Path | None) -> str:
    """The report as indented JSON (printed by the caller), also written to ``path``."""
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if path is not None:
        path.write_text(text + "\n", encoding="utf-8")
    return text


Run = Callable[[argparse.Namespace, int], Awaitable[dict[str, Any]]]
Verdicts = Callable[[dict[str, Any], dict[str, Any]], list[str]]  # (summary, report)


async def collect(args: argparse.Namespace, one_run: Run) -> dict[str, Any]:
    """``args.runs`` runs one after the other, with the machine and the arguments;
    with more than one, each figure's median too."""
    # Taken first: the code measured is the code at the start.
    info = machine()
    runs = []
    for index in range(args.runs):
        runs.append(await one_run(args, index))
        print(f"run {index + 1}/{args.runs} done", file=sys.stderr, flush=True)
    info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report: dict[str, Any] = {"machine": info, "arguments": {
        k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "runs": runs}
    if len(runs) > 1:
        report["median"] = medians(runs)
    return report


def run_and_report(args: argparse.Namespace, one_run: Run, title: str, verdicts: Verdicts,
                   finish: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Run, print the JSON (and write it to ``args.json``), then the human summary:
    ``finish`` may add to the report first."""
    # The bot's own log lines would drown the summary; warnings still show.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    report = asyncio.run(collect(args, one_run))
    if finish is not None:
        finish(report)
    print(write(report, args.json))
    summary = report.get("median", report["runs"][0])
    label = f"median of {len(report['runs'])} runs" if "median" in report else "one run"
    print(f"\n== {title} ({label}) ==")
    for line in verdicts(summary, report):
        print(line)

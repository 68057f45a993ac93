"""What every benchmark's JSON records about where it ran: the code (commit) and the
machine (CPUs, how busy it was), and how it is written out."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

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

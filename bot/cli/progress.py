"""Progress of a long shell command, on stderr: only when stderr is a terminal or with
``--progress`` (so a cron job's mail and a pipe's output stay clean)."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO


def add_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--progress", action="store_true",
                        help="show progress on stderr (the default on a terminal)")


class Progress:
    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self._stream = stream
        self._last_percent = -1

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Progress:
        return cls(bool(getattr(args, "progress", False)) or sys.stderr.isatty())

    def say(self, text: str) -> None:
        if self.enabled:
            print(text, file=self._stream or sys.stderr, flush=True)

    def pages(self, label: str, done: int, total: int) -> None:
        """``label: 120/480 pages (25%)``, at most a line per tenth, and the last one."""
        percent = 100 * done // total if total else 100
        if percent // 10 == self._last_percent // 10 and done < total:
            return
        self._last_percent = percent
        self.say(f"{label}: {done}/{total} pages ({percent}%)")

"""``python -m bot run`` as a real process, for the tests that kill or stop it: the
environment is the test's own (no ``NHACVIEC_*`` of the machine leaks in), output
goes to a log file the test can show when it fails."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def bot_process(settings: dict[str, str], log: Path, *,
                      left_running: signal.Signals = signal.SIGKILL,
                      ) -> AsyncIterator[asyncio.subprocess.Process]:
    """The bot running with ``settings`` (NHACVIEC_* variables); a process the test
    left running is sent ``left_running`` on the way out, and waited for."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NHACVIEC_")}
    env |= {"PTB_TIMEDELTA": "1", **settings}
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stdout=output,
            stderr=output)
        try:
            yield process
        finally:
            if process.returncode is None:
                process.send_signal(left_running)
                await process.wait()

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

# ``nhacviec run`` with its imports done ahead: it reads a line from stdin (``go``),
# then runs as ``python -m bot run`` does — the same main(), settings read only then.
# A test that restarts the bot ten times imports the next process while the current
# one is still sending, so a restart costs the bot's start-up, not Python's.
_IMPORTED_AHEAD = ("import sys; from bot.__main__ import main; sys.stdin.readline(); "
                   "sys.exit(main(['run']))")


@asynccontextmanager
async def bot_process(settings: dict[str, str], log: Path, *,
                      left_running: signal.Signals = signal.SIGKILL,
                      imported_ahead: bool = False,
                      ) -> AsyncIterator[asyncio.subprocess.Process]:
    """The bot running with ``settings`` (NHACVIEC_* variables); a process the test
    left running is sent ``left_running`` on the way out, and waited for.
    ``imported_ahead``: the process waits for ``go`` before it starts."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NHACVIEC_")}
    env |= {"PTB_TIMEDELTA": "1", **settings}
    command = ("-c", _IMPORTED_AHEAD) if imported_ahead else ("-m", "bot", "run")
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *command, cwd=ROOT, env=env, stdout=output, stderr=output,
            stdin=asyncio.subprocess.PIPE if imported_ahead else None)
        try:
            yield process
        finally:
            if process.returncode is None:
                process.send_signal(left_running)
                await process.wait()


async def go(process: asyncio.subprocess.Process) -> None:
    """Let a process started ``imported_ahead`` run."""
    assert process.stdin is not None, "not started imported_ahead"
    process.stdin.write(b"go\n")
    await process.stdin.drain()

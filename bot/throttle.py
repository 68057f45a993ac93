"""Per-user flood control. Pure: time is an argument.

An officer who sends dozens of messages a minute (a stuck key, a script) is told once
to slow down, then ignored until the window has room again. The check is a dict
lookup made before any database work, so a flood costs the bot next to nothing and
cannot slow anyone else down.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # over the limit: say so, once
    DROP = "drop"  # still over the limit: say nothing


@dataclass
class _Window:
    times: deque[datetime] = field(default_factory=deque)
    warned: bool = False


class Throttle:
    def __init__(self, limit: int = 20, per: timedelta = timedelta(minutes=1),
                 max_tracked: int = 100_000) -> None:
        self.limit = limit
        self.per = per
        self._max_tracked = max_tracked
        self._windows: dict[str, _Window] = {}
        self._next_sweep: datetime | None = None

    @property
    def tracked(self) -> int:
        """Users with a window in memory: at most those who wrote within the last
        ``per`` or two (idle ones are swept once per ``per``), and never more than
        ``max_tracked``."""
        return len(self._windows)

    def check(self, key: str, now: datetime) -> Verdict:
        if self._next_sweep is None or now >= self._next_sweep:
            # Once a window: a user who wrote once, weeks ago, holds no memory.
            self._forget_idle(now)
            self._next_sweep = now + self.per
        window = self._windows.get(key)
        if window is None:
            if len(self._windows) >= self._max_tracked:
                self._forget_idle(now)
            window = self._windows[key] = _Window()
        while window.times and now - window.times[0] >= self.per:
            window.times.popleft()
        if len(window.times) < self.limit:
            window.times.append(now)
            window.warned = False
            return Verdict.ALLOW
        if window.warned:
            return Verdict.DROP
        window.warned = True
        return Verdict.WARN

    def dropping(self, key: str, now: datetime) -> bool:
        """Whether ``check`` would say DROP now (over the limit, and told so), without
        checking: a channel may ask before it even decodes the message."""
        window = self._windows.get(key)
        if window is None or not window.warned:
            return False
        return sum(1 for at in window.times if now - at < self.per) >= self.limit

    def _forget_idle(self, now: datetime) -> None:
        """Bound memory: drop the users whose window is empty by now."""
        idle = [k for k, w in self._windows.items()
                if not w.times or now - w.times[-1] >= self.per]
        for key in idle:
            del self._windows[key]

"""The demo clock of the local web chat: real time, shifted to wherever the visitor
jumps ("17/08/2023 08:00"), so that a plan of 2023 can be watched at work — its
reminders before the 5th/22nd and the 15th/30th, the 16:00 escalation — in minutes.

Only ``nhacviec run`` without a messenger (or with ``--local``) ever uses it: the
Telegram and Zalo channels always run on the real clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.app import utc_now


class DemoClock:
    def __init__(self, start: datetime | None = None, *,
                 real: Callable[[], datetime] = utc_now) -> None:
        self._real = real
        self._offset = start - real() if start is not None else timedelta(0)

    def __call__(self) -> datetime:
        return self._real() + self._offset

    def jump(self, to: datetime) -> None:
        """From now on the clock reads ``to``, and runs on from there."""
        if to.tzinfo is None:
            raise ValueError("a demo clock jumps to an aware datetime")
        self._offset = to - self._real()

"""Working days in Viet Nam: weekends, public holidays, and the province's own changes.

Pure: the holiday table comes from the ``holidays`` package (country VN, Tết
included); admins add the days off and make-up working days it does not know
(ngày nghỉ bù / ngày làm bù), which the caller passes in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import holidays


class WorkingCalendar:
    def __init__(
        self,
        *,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        country: str = "VN",
    ) -> None:
        # The package computes a year's table on first access; expand=True keeps
        # later years coming as they are asked for.
        self._holidays = holidays.country_holidays(country)
        self._extra_off = frozenset(extra_days_off)
        self._extra_working = frozenset(extra_working_days)

    def holiday_name(self, day: date) -> str | None:
        if day in self._extra_working:
            return None
        name = self._holidays.get(day)
        return str(name) if name else None

    def is_working_day(self, day: date) -> bool:
        if day in self._extra_working:
            return True
        if day in self._extra_off or day.weekday() >= 5:
            return False
        return day not in self._holidays

    def on_or_before(self, day: date) -> date:
        """``day`` if it is a working day, else the closest working day before it."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def working_days_before(self, day: date, count: int) -> date:
        """The working day ``count`` working days before ``day`` (0 → ``on_or_before``)."""
        if count < 0:
            raise ValueError("count must not be negative")
        current = self.on_or_before(day)
        for _ in range(count):
            current = self.on_or_before(current - timedelta(days=1))
        return current

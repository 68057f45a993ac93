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
        language: str = "vi",
    ) -> None:
        # The package computes a year's table on first access. Holiday names follow
        # the process locale unless a language is given: fix it, a server's LANG must
        # not decide what officers read.
        package_language = "en_US" if language == "en" else language
        self._holidays = holidays.country_holidays(country, language=package_language)
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
        if day in self._extra_off:
            return False
        # The lookup also fills the package's table of make-up Saturdays for that year
        # (weekend_workdays), which the government announces with the holidays.
        if day in self._holidays:
            return False
        if day.weekday() >= 5:
            return day in self._holidays.weekend_workdays
        return True

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

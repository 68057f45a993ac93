"""Reading an absence: "/vang 3/12-10/12", "/away 2026-12-03..2026-12-10". Pure."""

from __future__ import annotations

import re
from datetime import date, timedelta

MAX_ABSENCE = timedelta(days=366)

_ISO = r"(\d{4})-(\d{1,2})-(\d{1,2})"
_DMY = r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}))?"
_SEPARATOR = r"\s*(?:\.\.|-|–|—|đến|den|to)\s*"
_ISO_RANGE = re.compile(rf"^{_ISO}(?:{_SEPARATOR}{_ISO})?$")
_DMY_RANGE = re.compile(rf"^{_DMY}(?:{_SEPARATOR}{_DMY})?$")


class InvalidAbsence(ValueError):
    pass


def _day(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidAbsence(f"{day:02d}/{month:02d}/{year} is not a date") from None


def parse_absence(text: str, today: date) -> tuple[date, date]:
    """The first and last day away (inclusive). Without a year, the dates are the
    next ones to come: asked in December, "3/1-5/1" is January of next year."""
    cleaned = " ".join(text.strip().lower().split())
    if match := _ISO_RANGE.match(cleaned):
        y1, m1, d1, y2, m2, d2 = match.groups()
        start = _day(int(y1), int(m1), int(d1))
        end = _day(int(y2), int(m2), int(d2)) if y2 else start
    elif match := _DMY_RANGE.match(cleaned):
        d1, m1, y1, d2, m2, y2 = match.groups()
        year = int(y1 or y2 or today.year)
        start = _day(year, int(m1), int(d1))
        end = _day(int(y2 or year), int(m2), int(d2)) if d2 else start
        if end < start and not y2:
            end = _day(end.year + 1, end.month, end.day)  # "28/12-3/1"
        if not (y1 or y2) and end < today:
            start, end = (_day(start.year + 1, start.month, start.day),
                          _day(end.year + 1, end.month, end.day))
    else:
        raise InvalidAbsence("not a date range")
    if end < start:
        raise InvalidAbsence("the absence ends before it starts")
    if end - start > MAX_ABSENCE:
        raise InvalidAbsence("longer than a year")
    return start, end

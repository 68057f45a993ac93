"""Deadline specs and the calendar arithmetic behind them.

Pure: no clock, no I/O. "Today" is always an argument. A plan states deadlines in
phrases ("trước ngày 31/8/2023", "Quý III/2023", "trước ngày 05 và 22 hàng tháng");
the plan data carries each phrase as written *and* its spec, one of the classes
below. The JSON shape of a spec (``spec_to_dict``) is the one the plan importer
prints, so the seed file, the database and the importer share one vocabulary.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeAlias


def last_day_of_month(year: int, month: int) -> int:
    return _stdlib_calendar.monthrange(year, month)[1]


def clamp_day(year: int, month: int, day: int) -> date:
    """Day ``day`` of the month, clamped to its last day.

    "ngày 30 hàng tháng" in February means the last day of February: a rule
    "day N" must exist in every month, so it never silently skips one.
    """
    if day < 1:
        raise ValueError(f"day of month must be at least 1, got {day}")
    return date(year, month, min(day, last_day_of_month(year, month)))


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1..12, got {self.month}")
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year out of range: {self.year}")

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, last_day_of_month(self.year, self.month))

    def day(self, n: int) -> date:
        return clamp_day(self.year, self.month, n)

    def shift(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    def next(self) -> Month:
        return self.shift(1)

    def previous(self) -> Month:
        return self.shift(-1)

    def contains(self, day: date) -> bool:
        return (day.year, day.month) == (self.year, self.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def quarter_range(year: int, quarter: int) -> tuple[date, date]:
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1..4, got {quarter}")
    first_month = 3 * (quarter - 1) + 1
    return date(year, first_month, 1), Month(year, first_month + 2).last


def iter_months(start: date, end: date) -> Iterator[Month]:
    month, stop = Month.of(start), Month.of(end)
    while month <= stop:
        yield month
        month = month.next()


# --- Deadline specs -----------------------------------------------------------------
# One class per kind of phrase. Recurrences without a fixed day ("hàng tháng",
# "hằng quý") deliberately carry no date: the bot never invents a deadline the
# plan does not state.


@dataclass(frozen=True)
class OnDate:
    """A single day: "trước ngày 31/8/2023", "ngày 05 tháng 12 năm 2025"."""

    date: date


@dataclass(frozen=True)
class DateRange:
    """A span whose end is the deadline: a month, a quarter, "Tháng 8 - tháng 12/2023"."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"range ends before it starts: {self.start} > {self.end}")


@dataclass(frozen=True)
class Weekly:
    """"hàng tuần"; ``weekday`` (0 = Monday) only when the plan names one."""

    weekday: int | None = None

    def __post_init__(self) -> None:
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) .. 6 (Sunday), got {self.weekday}")


@dataclass(frozen=True)
class Monthly:
    """"hàng tháng", or on given days: "trước ngày 05 và 22 hàng tháng" → (5, 22)."""

    days: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if any(not 1 <= d <= 31 for d in self.days):
            raise ValueError(f"days of month must be 1..31, got {self.days}")


@dataclass(frozen=True)
class Quarterly:
    """"hằng quý"."""


@dataclass(frozen=True)
class HalfYearly:
    """"6 tháng" (every six months)."""


@dataclass(frozen=True)
class Yearly:
    """"hằng năm" — on given (month, day) dates and/or within given months."""

    dates: tuple[tuple[int, int], ...] = ()
    months: tuple[int, ...] = ()


@dataclass(frozen=True)
class From:
    """"Từ 01/7/2025": ongoing from a date on."""

    start: date


@dataclass(frozen=True)
class Ongoing:
    """"thường xuyên"."""


@dataclass(frozen=True)
class Conditional:
    """"sau khi …", "theo kế hoạch riêng": depends on an event, no date."""

    text: str = field(default="")


DeadlineSpec: TypeAlias = (
    OnDate | DateRange | Weekly | Monthly | Quarterly | HalfYearly | Yearly | From | Ongoing
    | Conditional
)


def occurrences(spec: DeadlineSpec, start: date, end: date) -> list[date]:
    """The dated occurrences of ``spec`` between ``start`` and ``end`` inclusive.

    Only specs that name days produce occurrences; "hàng tháng" alone produces none.
    """
    if end < start:
        return []
    if isinstance(spec, OnDate):
        return [spec.date] if start <= spec.date <= end else []
    if isinstance(spec, DateRange):
        return [spec.end] if start <= spec.end <= end else []
    if isinstance(spec, Monthly):
        found = {
            month.day(d) for month in iter_months(start, end) for d in spec.days
        }
        return sorted(d for d in found if start <= d <= end)
    if isinstance(spec, Weekly) and spec.weekday is not None:
        first = start + timedelta(days=(spec.weekday - start.weekday()) % 7)
        return [first + timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]
    if isinstance(spec, Yearly):
        found = set()
        for year in range(start.year, end.year + 1):
            found.update(clamp_day(year, m, d) for m, d in spec.dates)
            found.update(Month(year, m).last for m in spec.months)
        return sorted(d for d in found if start <= d <= end)
    return []


def is_recurring(spec: DeadlineSpec) -> bool:
    return isinstance(spec, Weekly | Monthly | Quarterly | HalfYearly | Yearly)


def has_fixed_days(spec: DeadlineSpec) -> bool:
    """True for recurrences that name their days (and so yield dated occurrences)."""
    if isinstance(spec, Monthly):
        return bool(spec.days)
    if isinstance(spec, Weekly):
        return spec.weekday is not None
    if isinstance(spec, Yearly):
        return bool(spec.dates or spec.months)
    return False


# --- (De)serialisation: the importer's JSON shape -------------------------------------


def spec_to_dict(spec: DeadlineSpec) -> dict[str, Any]:
    match spec:
        case OnDate(date=d):
            return {"kind": "date", "date": d.isoformat()}
        case DateRange(start=s, end=e):
            return {"kind": "range", "start": s.isoformat(), "end": e.isoformat()}
        case Weekly(weekday=w):
            return {"kind": "weekly"} if w is None else {"kind": "weekly", "weekday": w}
        case Monthly(days=days):
            return {"kind": "monthly", "days": list(days)}
        case Quarterly():
            return {"kind": "quarterly"}
        case HalfYearly():
            return {"kind": "half_yearly"}
        case Yearly(dates=dates, months=months):
            return {
                "kind": "yearly",
                "dates": [f"{m:02d}-{d:02d}" for m, d in dates],
                "months": list(months),
            }
        case From(start=s):
            return {"kind": "from", "start": s.isoformat()}
        case Ongoing():
            return {"kind": "ongoing"}
        case Conditional(text=text):
            return {"kind": "conditional", "text": text}
    raise TypeError(f"not a deadline spec: {spec!r}")


def _iso(value: Any) -> date:
    # YAML loads ISO dates as ``date`` already; JSON gives strings.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _month_day(text: Any) -> tuple[int, int]:
    month, day = (int(part) for part in str(text).split("-"))
    date(2024, month, day)  # rejects 04-31 or 01-32; 2024 is a leap year so 02-29 passes
    return month, day


def _int_list(value: Any) -> tuple[int, ...]:
    # A bare string would otherwise be iterated character by character: "22" → (2, 2).
    if value is None:
        return ()
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        raise ValueError(f"expected a list, got {value!r}")
    return tuple(int(v) for v in value)


def spec_from_dict(data: Mapping[str, Any]) -> DeadlineSpec:
    """Parse the importer's JSON shape; raises ``ValueError`` on anything malformed."""
    kind = data.get("kind")
    try:
        match kind:
            case "date":
                return OnDate(_iso(data["date"]))
            case "range":
                return DateRange(_iso(data["start"]), _iso(data["end"]))
            case "weekly":
                weekday = data.get("weekday")
                return Weekly(None if weekday is None else int(weekday))
            case "monthly":
                return Monthly(_int_list(data.get("days")))
            case "quarterly":
                return Quarterly()
            case "half_yearly":
                return HalfYearly()
            case "yearly":
                dates = data.get("dates")
                if isinstance(dates, str):
                    raise ValueError(f"expected a list of MM-DD, got {dates!r}")
                return Yearly(
                    tuple(_month_day(x) for x in dates or ()),
                    tuple(Month(2000, m).month for m in _int_list(data.get("months"))),
                )
            case "from":
                return From(_iso(data["start"]))
            case "ongoing":
                return Ongoing()
            case "conditional":
                return Conditional(str(data.get("text", "")))
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"malformed deadline spec {dict(data)!r}: {error}") from error
    raise ValueError(f"unknown deadline kind {kind!r}")

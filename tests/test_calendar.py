"""Tests for bot/calendar.py: month arithmetic, clamping, deadline specs and their JSON shape.

Every expected date below was worked out by hand (and checked against Python's own
``calendar``/``datetime``), not copied from the code under test.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import itertools
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.calendar import (
    Conditional,
    DateRange,
    DeadlineSpec,
    From,
    HalfYearly,
    Month,
    Monthly,
    OnDate,
    Ongoing,
    Quarterly,
    Weekly,
    Yearly,
    clamp_day,
    has_fixed_days,
    is_recurring,
    iter_months,
    last_day_of_month,
    occurrences,
    quarter_range,
    spec_from_dict,
    spec_to_dict,
)

D = date

# --- last_day_of_month / clamp_day -------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2023, 1, 31),
        (2023, 2, 28),  # 2023 is not a leap year
        (2024, 2, 29),  # divisible by 4
        (2100, 2, 28),  # divisible by 100, not by 400: not a leap year
        (2000, 2, 29),  # divisible by 400: leap year
        (1900, 2, 28),
        (2023, 3, 31),
        (2023, 4, 30),
        (2023, 5, 31),
        (2023, 6, 30),
        (2023, 7, 31),
        (2023, 8, 31),
        (2023, 9, 30),
        (2023, 10, 31),
        (2023, 11, 30),
        (2023, 12, 31),
    ],
)
def test_last_day_of_month(year: int, month: int, expected: int) -> None:
    assert last_day_of_month(year, month) == expected


@pytest.mark.parametrize(
    ("year", "month", "day", "expected"),
    [
        # "ngày 30 hàng tháng" in February is the last day of February.
        (2023, 2, 30, D(2023, 2, 28)),
        (2023, 2, 29, D(2023, 2, 28)),
        (2023, 2, 31, D(2023, 2, 28)),
        (2023, 2, 28, D(2023, 2, 28)),
        (2024, 2, 30, D(2024, 2, 29)),
        (2024, 2, 29, D(2024, 2, 29)),
        (2024, 2, 31, D(2024, 2, 29)),
        (2100, 2, 29, D(2100, 2, 28)),
        (2100, 2, 30, D(2100, 2, 28)),
        (2000, 2, 29, D(2000, 2, 29)),
        (2000, 2, 30, D(2000, 2, 29)),
        # 30-day months
        (2023, 4, 31, D(2023, 4, 30)),
        (2023, 6, 31, D(2023, 6, 30)),
        (2023, 9, 31, D(2023, 9, 30)),
        (2023, 11, 31, D(2023, 11, 30)),
        (2023, 4, 30, D(2023, 4, 30)),
        # 31-day months keep day 31
        (2023, 1, 31, D(2023, 1, 31)),
        (2023, 3, 31, D(2023, 3, 31)),
        (2023, 5, 31, D(2023, 5, 31)),
        (2023, 7, 31, D(2023, 7, 31)),
        (2023, 8, 31, D(2023, 8, 31)),
        (2023, 10, 31, D(2023, 10, 31)),
        (2023, 12, 31, D(2023, 12, 31)),
        # ordinary days are untouched
        (2023, 8, 1, D(2023, 8, 1)),
        (2023, 8, 5, D(2023, 8, 5)),
        (2023, 8, 22, D(2023, 8, 22)),
        # even absurdly large days clamp rather than fail
        (2023, 4, 99, D(2023, 4, 30)),
    ],
)
def test_clamp_day(year: int, month: int, day: int, expected: date) -> None:
    assert clamp_day(year, month, day) == expected


@pytest.mark.parametrize("day", [0, -1, -31])
def test_clamp_day_rejects_day_below_one(day: int) -> None:
    with pytest.raises(ValueError):
        clamp_day(2023, 5, day)


@pytest.mark.parametrize("month", [0, 13])
def test_clamp_day_rejects_bad_month(month: int) -> None:
    with pytest.raises(ValueError):
        clamp_day(2023, month, 1)


# --- Month ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (Month(2023, 5), 0, Month(2023, 5)),
        (Month(2023, 5), 1, Month(2023, 6)),
        (Month(2023, 12), 1, Month(2024, 1)),
        (Month(2023, 11), 2, Month(2024, 1)),
        (Month(2023, 11), 3, Month(2024, 2)),
        (Month(2023, 1), 12, Month(2024, 1)),
        (Month(2023, 1), 24, Month(2025, 1)),
        (Month(2023, 6), 25, Month(2025, 7)),
        (Month(2024, 1), -1, Month(2023, 12)),
        (Month(2024, 2), -2, Month(2023, 12)),
        (Month(2024, 2), -3, Month(2023, 11)),
        (Month(2024, 1), -12, Month(2023, 1)),
        (Month(2024, 1), -13, Month(2022, 12)),
        (Month(2024, 3), -27, Month(2021, 12)),
        (Month(2023, 12), -11, Month(2023, 1)),
        (Month(2023, 12), -12, Month(2022, 12)),
    ],
)
def test_month_shift(start: Month, months: int, expected: Month) -> None:
    assert start.shift(months) == expected


@pytest.mark.parametrize(
    ("month", "following", "preceding"),
    [
        (Month(2023, 1), Month(2023, 2), Month(2022, 12)),
        (Month(2023, 6), Month(2023, 7), Month(2023, 5)),
        (Month(2023, 12), Month(2024, 1), Month(2023, 11)),
        (Month(2024, 2), Month(2024, 3), Month(2024, 1)),
    ],
)
def test_month_next_and_previous(month: Month, following: Month, preceding: Month) -> None:
    assert month.next() == following
    assert month.previous() == preceding
    assert month.next().previous() == month
    assert month.previous().next() == month


@pytest.mark.parametrize("months", [-25, -13, -12, -1, 0, 1, 11, 12, 13, 100])
def test_month_shift_is_reversible(months: int) -> None:
    start = Month(2023, 8)
    assert start.shift(months).shift(-months) == start


@pytest.mark.parametrize(
    ("month", "first", "last"),
    [
        (Month(2023, 1), D(2023, 1, 1), D(2023, 1, 31)),
        (Month(2023, 2), D(2023, 2, 1), D(2023, 2, 28)),
        (Month(2024, 2), D(2024, 2, 1), D(2024, 2, 29)),
        (Month(2100, 2), D(2100, 2, 1), D(2100, 2, 28)),
        (Month(2000, 2), D(2000, 2, 1), D(2000, 2, 29)),
        (Month(2023, 4), D(2023, 4, 1), D(2023, 4, 30)),
        (Month(2023, 9), D(2023, 9, 1), D(2023, 9, 30)),
        (Month(2023, 12), D(2023, 12, 1), D(2023, 12, 31)),
    ],
)
def test_month_first_and_last(month: Month, first: date, last: date) -> None:
    assert month.first == first
    assert month.last == last


@pytest.mark.parametrize(
    ("month", "n", "expected"),
    [
        (Month(2023, 2), 30, D(2023, 2, 28)),
        (Month(2024, 2), 30, D(2024, 2, 29)),
        (Month(2023, 4), 31, D(2023, 4, 30)),
        (Month(2023, 8), 5, D(2023, 8, 5)),
        (Month(2023, 8), 31, D(2023, 8, 31)),
    ],
)
def test_month_day_clamps(month: Month, n: int, expected: date) -> None:
    assert month.day(n) == expected


def test_month_day_zero_raises() -> None:
    with pytest.raises(ValueError):
        Month(2023, 8).day(0)


def test_month_of() -> None:
    assert Month.of(D(2023, 8, 5)) == Month(2023, 8)
    assert Month.of(D(2024, 12, 31)) == Month(2024, 12)


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (D(2023, 8, 1), True),
        (D(2023, 8, 15), True),
        (D(2023, 8, 31), True),
        (D(2023, 7, 31), False),
        (D(2023, 9, 1), False),
        (D(2022, 8, 15), False),  # same month, other year
        (D(2024, 8, 15), False),
    ],
)
def test_month_contains(day: date, inside: bool) -> None:
    assert Month(2023, 8).contains(day) is inside


@pytest.mark.parametrize(
    ("month", "text"),
    [
        (Month(2023, 8), "2023-08"),
        (Month(2023, 12), "2023-12"),
        (Month(2024, 1), "2024-01"),
        (Month(999, 3), "0999-03"),
    ],
)
def test_month_str(month: Month, text: str) -> None:
    assert str(month) == text


@pytest.mark.parametrize(("year", "month"), [(2023, 0), (2023, 13), (2023, -1), (0, 5), (10000, 1)])
def test_month_rejects_invalid(year: int, month: int) -> None:
    with pytest.raises(ValueError):
        Month(year, month)


def test_month_shift_out_of_supported_years_raises() -> None:
    with pytest.raises(ValueError):
        Month(1, 1).previous()
    with pytest.raises(ValueError):
        Month(9999, 12).next()


def test_month_ordering() -> None:
    assert Month(2023, 12) < Month(2024, 1)
    assert Month(2023, 2) < Month(2023, 11)
    assert Month(2024, 1) > Month(2023, 12)
    assert Month(2023, 5) <= Month(2023, 5)
    assert Month(2023, 5) >= Month(2023, 5)
    assert not Month(2023, 5) < Month(2023, 5)
    shuffled = [Month(2024, 1), Month(2022, 12), Month(2023, 12), Month(2023, 2), Month(2023, 10)]
    assert sorted(shuffled) == [
        Month(2022, 12),
        Month(2023, 2),
        Month(2023, 10),
        Month(2023, 12),
        Month(2024, 1),
    ]


def test_month_is_hashable_and_immutable() -> None:
    assert len({Month(2023, 8), Month(2023, 8), Month(2023, 9)}) == 2
    with pytest.raises(AttributeError):
        Month(2023, 8).month = 9  # type: ignore[misc]


# --- quarter_range / iter_months ----------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "quarter", "expected"),
    [
        (2023, 1, (D(2023, 1, 1), D(2023, 3, 31))),
        (2023, 2, (D(2023, 4, 1), D(2023, 6, 30))),
        (2023, 3, (D(2023, 7, 1), D(2023, 9, 30))),  # "Quý III/2023"
        (2023, 4, (D(2023, 10, 1), D(2023, 12, 31))),
        (2024, 1, (D(2024, 1, 1), D(2024, 3, 31))),
        (2024, 4, (D(2024, 10, 1), D(2024, 12, 31))),
    ],
)
def test_quarter_range(year: int, quarter: int, expected: tuple[date, date]) -> None:
    assert quarter_range(year, quarter) == expected


@pytest.mark.parametrize("quarter", [0, 5, -1])
def test_quarter_range_rejects_bad_quarter(quarter: int) -> None:
    with pytest.raises(ValueError):
        quarter_range(2023, quarter)


def test_quarters_tile_the_year() -> None:
    ranges = [quarter_range(2024, q) for q in (1, 2, 3, 4)]
    assert ranges[0][0] == D(2024, 1, 1)
    assert ranges[-1][1] == D(2024, 12, 31)
    for (_, end), (start, _) in itertools.pairwise(ranges):
        assert start == end + timedelta(days=1)
    assert sum((e - s).days + 1 for s, e in ranges) == 366


def test_iter_months_across_year_boundary() -> None:
    assert list(iter_months(D(2023, 11, 20), D(2024, 2, 3))) == [
        Month(2023, 11),
        Month(2023, 12),
        Month(2024, 1),
        Month(2024, 2),
    ]


def test_iter_months_single_month() -> None:
    assert list(iter_months(D(2023, 8, 1), D(2023, 8, 31))) == [Month(2023, 8)]
    assert list(iter_months(D(2023, 8, 15), D(2023, 8, 15))) == [Month(2023, 8)]


def test_iter_months_whole_year() -> None:
    months = list(iter_months(D(2023, 1, 31), D(2023, 12, 1)))
    assert months == [Month(2023, m) for m in range(1, 13)]


def test_iter_months_empty_when_reversed() -> None:
    assert list(iter_months(D(2024, 1, 1), D(2023, 12, 31))) == []


# --- occurrences --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2023, 8, 1), D(2023, 8, 31), [D(2023, 8, 31)]),
        (D(2023, 8, 31), D(2023, 8, 31), [D(2023, 8, 31)]),  # window of one day
        (D(2023, 1, 1), D(2023, 8, 31), [D(2023, 8, 31)]),  # end of window inclusive
        (D(2023, 8, 31), D(2023, 12, 31), [D(2023, 8, 31)]),  # start inclusive
        (D(2023, 9, 1), D(2023, 12, 31), []),  # window after
        (D(2023, 1, 1), D(2023, 8, 30), []),  # window before
    ],
)
def test_occurrences_on_date(start: date, end: date, expected: list[date]) -> None:
    # "trước ngày 31/8/2023"
    assert occurrences(OnDate(D(2023, 8, 31)), start, end) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # "Quý III/2023": only the end of the range is a deadline.
        (D(2023, 7, 1), D(2023, 9, 30), [D(2023, 9, 30)]),
        (D(2023, 9, 30), D(2023, 10, 5), [D(2023, 9, 30)]),
        (D(2023, 7, 1), D(2023, 9, 29), []),  # start of range inside, end not
        (D(2023, 10, 1), D(2023, 12, 31), []),
    ],
)
def test_occurrences_date_range(start: date, end: date, expected: list[date]) -> None:
    assert occurrences(DateRange(D(2023, 7, 1), D(2023, 9, 30)), start, end) == expected


def test_occurrences_date_range_across_years() -> None:
    spec = DateRange(D(2023, 9, 1), D(2024, 3, 31))
    assert occurrences(spec, D(2023, 1, 1), D(2023, 12, 31)) == []
    assert occurrences(spec, D(2024, 1, 1), D(2024, 12, 31)) == [D(2024, 3, 31)]
    assert occurrences(spec, D(2023, 9, 1), D(2024, 3, 31)) == [D(2024, 3, 31)]
    assert occurrences(spec, D(2023, 12, 1), D(2024, 3, 30)) == []


def test_date_range_rejects_end_before_start() -> None:
    with pytest.raises(ValueError):
        DateRange(D(2024, 3, 31), D(2023, 9, 1))


def test_date_range_of_one_day_is_allowed() -> None:
    spec = DateRange(D(2023, 8, 5), D(2023, 8, 5))
    assert occurrences(spec, D(2023, 8, 1), D(2023, 8, 31)) == [D(2023, 8, 5)]


def test_occurrences_monthly_5_and_22_over_a_year() -> None:
    # "trước ngày 05 và 22 hàng tháng"
    found = occurrences(Monthly((5, 22)), D(2023, 1, 1), D(2023, 12, 31))
    expected = [D(2023, m, d) for m in range(1, 13) for d in (5, 22)]
    assert len(found) == 24
    assert found == expected


def test_occurrences_monthly_across_year_boundary() -> None:
    found = occurrences(Monthly((5, 22)), D(2023, 11, 10), D(2024, 2, 5))
    assert found == [
        D(2023, 11, 22),
        D(2023, 12, 5),
        D(2023, 12, 22),
        D(2024, 1, 5),
        D(2024, 1, 22),
        D(2024, 2, 5),
    ]


def test_occurrences_monthly_days_given_out_of_order() -> None:
    found = occurrences(Monthly((22, 5)), D(2023, 8, 1), D(2023, 9, 30))
    assert found == [D(2023, 8, 5), D(2023, 8, 22), D(2023, 9, 5), D(2023, 9, 22)]


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2023, [D(2023, 2, 15), D(2023, 2, 28)]),
        (2024, [D(2024, 2, 15), D(2024, 2, 29)]),
        (2100, [D(2100, 2, 15), D(2100, 2, 28)]),
        (2000, [D(2000, 2, 15), D(2000, 2, 29)]),
    ],
)
def test_occurrences_monthly_15_and_30_in_february(year: int, expected: list[date]) -> None:
    # "vào ngày 15 và 30 hàng tháng"
    feb = Month(year, 2)
    assert occurrences(Monthly((15, 30)), feb.first, feb.last) == expected


def test_occurrences_monthly_15_and_30_over_a_year() -> None:
    found = occurrences(Monthly((15, 30)), D(2023, 1, 1), D(2023, 12, 31))
    assert len(found) == 24
    assert D(2023, 2, 28) in found
    assert D(2023, 4, 30) in found
    assert D(2023, 1, 30) in found
    assert D(2023, 1, 31) not in found


@pytest.mark.parametrize(
    ("days", "month", "expected"),
    [
        ((30, 31), Month(2023, 2), [D(2023, 2, 28)]),
        ((29, 30, 31), Month(2023, 2), [D(2023, 2, 28)]),
        ((29, 30, 31), Month(2024, 2), [D(2024, 2, 29)]),
        ((28, 29), Month(2023, 2), [D(2023, 2, 28)]),
        ((28, 29), Month(2024, 2), [D(2024, 2, 28), D(2024, 2, 29)]),
        ((30, 31), Month(2023, 4), [D(2023, 4, 30)]),
        ((30, 31), Month(2023, 5), [D(2023, 5, 30), D(2023, 5, 31)]),
    ],
)
def test_occurrences_monthly_no_duplicates_when_clamping_collapses(
    days: tuple[int, ...], month: Month, expected: list[date]
) -> None:
    assert occurrences(Monthly(days), month.first, month.last) == expected


def test_occurrences_monthly_respects_partial_months() -> None:
    # The window starts after the 5th and ends before the 22nd of the next month.
    found = occurrences(Monthly((5, 22)), D(2023, 8, 6), D(2023, 9, 21))
    assert found == [D(2023, 8, 22), D(2023, 9, 5)]


def test_occurrences_monthly_without_days_is_empty() -> None:
    # "hàng tháng" alone names no day: the bot never invents one.
    assert occurrences(Monthly(), D(2023, 1, 1), D(2023, 12, 31)) == []


@pytest.mark.parametrize("days", [(0,), (32,), (5, 32), (-1,)])
def test_monthly_rejects_days_out_of_range(days: tuple[int, ...]) -> None:
    with pytest.raises(ValueError):
        Monthly(days)


@pytest.mark.parametrize(
    ("weekday", "start", "end", "expected"),
    [
        # August 2023: the 1st is a Tuesday.
        (
            0,
            D(2023, 8, 1),
            D(2023, 8, 31),
            [D(2023, 8, 7), D(2023, 8, 14), D(2023, 8, 21), D(2023, 8, 28)],
        ),
        (
            1,
            D(2023, 8, 1),
            D(2023, 8, 31),
            [D(2023, 8, 1), D(2023, 8, 8), D(2023, 8, 15), D(2023, 8, 22), D(2023, 8, 29)],
        ),
        (
            4,
            D(2023, 8, 1),
            D(2023, 8, 31),
            [D(2023, 8, 4), D(2023, 8, 11), D(2023, 8, 18), D(2023, 8, 25)],
        ),
        (
            6,
            D(2023, 8, 1),
            D(2023, 8, 31),
            [D(2023, 8, 6), D(2023, 8, 13), D(2023, 8, 20), D(2023, 8, 27)],
        ),
        # across a year boundary: 2023-12-29 is a Friday, 2024-01-05 too.
        (4, D(2023, 12, 25), D(2024, 1, 10), [D(2023, 12, 29), D(2024, 1, 5)]),
        # the window's end is inclusive
        (4, D(2023, 8, 5), D(2023, 8, 11), [D(2023, 8, 11)]),
        # a window too short to hold the weekday
        (0, D(2023, 8, 1), D(2023, 8, 6), []),
        (5, D(2023, 8, 5), D(2023, 8, 5), [D(2023, 8, 5)]),  # one-day window, a Saturday
        (6, D(2023, 8, 5), D(2023, 8, 5), []),
    ],
)
def test_occurrences_weekly(weekday: int, start: date, end: date, expected: list[date]) -> None:
    for day in expected:
        assert day.weekday() == weekday  # sanity check of the hand-made expectation
    assert occurrences(Weekly(weekday), start, end) == expected


def test_occurrences_weekly_over_a_year_count() -> None:
    # 2023 starts on a Sunday and has 365 days: 53 Sundays, 52 of every other weekday.
    assert len(occurrences(Weekly(6), D(2023, 1, 1), D(2023, 12, 31))) == 53
    assert len(occurrences(Weekly(0), D(2023, 1, 1), D(2023, 12, 31))) == 52


def test_occurrences_weekly_without_weekday_is_empty() -> None:
    assert occurrences(Weekly(), D(2023, 1, 1), D(2023, 12, 31)) == []


def test_occurrences_yearly_across_years() -> None:
    spec = Yearly(dates=((11, 15),), months=(12,))
    assert occurrences(spec, D(2023, 6, 1), D(2025, 1, 15)) == [
        D(2023, 11, 15),
        D(2023, 12, 31),
        D(2024, 11, 15),
        D(2024, 12, 31),
    ]
    assert occurrences(spec, D(2023, 11, 16), D(2024, 11, 14)) == [D(2023, 12, 31)]
    assert occurrences(spec, D(2024, 1, 1), D(2024, 11, 14)) == []


def test_occurrences_yearly_month_means_its_last_day() -> None:
    spec = Yearly(months=(2, 6))
    assert occurrences(spec, D(2023, 1, 1), D(2024, 12, 31)) == [
        D(2023, 2, 28),
        D(2023, 6, 30),
        D(2024, 2, 29),
        D(2024, 6, 30),
    ]


def test_occurrences_yearly_feb_29_clamps_in_common_years() -> None:
    spec = Yearly(dates=((2, 29),))
    assert occurrences(spec, D(2023, 1, 1), D(2024, 12, 31)) == [D(2023, 2, 28), D(2024, 2, 29)]


def test_occurrences_yearly_no_duplicates() -> None:
    # The 31st of December named both as a date and as "end of December".
    spec = Yearly(dates=((12, 31),), months=(12,))
    assert occurrences(spec, D(2023, 1, 1), D(2023, 12, 31)) == [D(2023, 12, 31)]


def test_occurrences_yearly_without_dates_is_empty() -> None:
    assert occurrences(Yearly(), D(2023, 1, 1), D(2025, 12, 31)) == []


@pytest.mark.parametrize(
    "spec",
    [
        Quarterly(),
        HalfYearly(),
        From(D(2025, 7, 1)),
        Ongoing(),
        Conditional("sau khi có kế hoạch của UBND tỉnh"),
        Conditional(),
        Monthly(),
        Weekly(),
        Yearly(),
    ],
    ids=repr,
)
def test_occurrences_of_undated_specs_is_empty(spec: DeadlineSpec) -> None:
    assert occurrences(spec, D(2023, 1, 1), D(2026, 12, 31)) == []


ALL_SPECS: list[DeadlineSpec] = [
    OnDate(D(2023, 8, 31)),
    DateRange(D(2023, 7, 1), D(2023, 9, 30)),
    DateRange(D(2023, 9, 1), D(2024, 3, 31)),
    Weekly(),
    Weekly(0),
    Weekly(4),
    Weekly(6),
    Monthly(),
    Monthly((5, 22)),
    Monthly((15, 30)),
    Monthly((31,)),
    Quarterly(),
    HalfYearly(),
    Yearly(),
    Yearly(dates=((11, 15),), months=(12,)),
    Yearly(dates=((2, 29), (9, 2))),
    Yearly(months=(6, 12)),
    From(D(2025, 7, 1)),
    Ongoing(),
    Conditional(),
    Conditional("sau khi có kế hoạch của UBND tỉnh"),
]


@pytest.mark.parametrize("spec", ALL_SPECS, ids=repr)
@pytest.mark.parametrize(
    ("start", "end"),
    [(D(2023, 8, 31), D(2023, 8, 30)), (D(2024, 1, 1), D(2023, 1, 1))],
)
def test_occurrences_empty_window(spec: DeadlineSpec, start: date, end: date) -> None:
    assert occurrences(spec, start, end) == []


@pytest.mark.parametrize(
    ("spec", "recurring", "fixed"),
    [
        (OnDate(D(2023, 8, 31)), False, False),
        (DateRange(D(2023, 7, 1), D(2023, 9, 30)), False, False),
        (Weekly(), True, False),
        (Weekly(0), True, True),
        (Monthly(), True, False),
        (Monthly((5, 22)), True, True),
        (Quarterly(), True, False),
        (HalfYearly(), True, False),
        (Yearly(), True, False),
        (Yearly(months=(12,)), True, True),
        (Yearly(dates=((11, 15),)), True, True),
        (From(D(2025, 7, 1)), False, False),
        (Ongoing(), False, False),
        (Conditional("x"), False, False),
    ],
    ids=repr,
)
def test_is_recurring_and_has_fixed_days(spec: DeadlineSpec, recurring: bool, fixed: bool) -> None:
    assert is_recurring(spec) is recurring
    assert has_fixed_days(spec) is fixed


# --- spec_to_dict / spec_from_dict ----------------------------------------------------


@pytest.mark.parametrize("spec", ALL_SPECS, ids=repr)
def test_spec_dict_round_trip(spec: DeadlineSpec) -> None:
    data = spec_to_dict(spec)
    assert spec_from_dict(data) == spec
    assert spec_to_dict(spec_from_dict(data)) == data


@pytest.mark.parametrize(
    ("spec", "data"),
    [
        (OnDate(D(2023, 8, 31)), {"kind": "date", "date": "2023-08-31"}),
        (
            DateRange(D(2023, 9, 1), D(2024, 3, 31)),
            {"kind": "range", "start": "2023-09-01", "end": "2024-03-31"},
        ),
        (Weekly(), {"kind": "weekly"}),
        (Weekly(2), {"kind": "weekly", "weekday": 2}),
        (Monthly((5, 22)), {"kind": "monthly", "days": [5, 22]}),
        (Monthly(), {"kind": "monthly", "days": []}),
        (Quarterly(), {"kind": "quarterly"}),
        (HalfYearly(), {"kind": "half_yearly"}),
        (
            Yearly(dates=((11, 15), (2, 5)), months=(12,)),
            {"kind": "yearly", "dates": ["11-15", "02-05"], "months": [12]},
        ),
        (From(D(2025, 7, 1)), {"kind": "from", "start": "2025-07-01"}),
        (Ongoing(), {"kind": "ongoing"}),
        (
            Conditional("theo kế hoạch riêng"),
            {"kind": "conditional", "text": "theo kế hoạch riêng"},
        ),
    ],
    ids=repr,
)
def test_spec_to_dict_shape(spec: DeadlineSpec, data: dict[str, Any]) -> None:
    assert spec_to_dict(spec) == data


@pytest.mark.parametrize(
    ("data", "spec"),
    [
        # YAML gives real dates rather than strings.
        ({"kind": "date", "date": D(2023, 8, 31)}, OnDate(D(2023, 8, 31))),
        (
            {"kind": "range", "start": D(2023, 9, 1), "end": "2024-03-31"},
            DateRange(D(2023, 9, 1), D(2024, 3, 31)),
        ),
        # optional keys may be left out
        ({"kind": "monthly"}, Monthly()),
        ({"kind": "yearly"}, Yearly()),
        ({"kind": "yearly", "dates": ["11-15"]}, Yearly(dates=((11, 15),))),
        ({"kind": "yearly", "dates": ["02-29"]}, Yearly(dates=((2, 29),))),  # leap day is valid
        ({"kind": "yearly", "months": [12]}, Yearly(months=(12,))),
        ({"kind": "conditional"}, Conditional("")),
        ({"kind": "weekly", "weekday": None}, Weekly()),
        # numbers as strings are accepted
        ({"kind": "monthly", "days": ["05", "22"]}, Monthly((5, 22))),
        ({"kind": "weekly", "weekday": "4"}, Weekly(4)),
    ],
    ids=repr,
)
def test_spec_from_dict_lenient_inputs(data: dict[str, Any], spec: DeadlineSpec) -> None:
    assert spec_from_dict(data) == spec


def test_spec_to_dict_rejects_non_spec() -> None:
    with pytest.raises(TypeError):
        spec_to_dict("hàng tháng")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"kind": None},
        {"kind": "daily"},
        {"kind": "Monthly"},
        {"kind": ""},
        {"date": "2023-08-31"},  # no kind at all
        # bad dates
        {"kind": "date", "date": "2023-02-30"},
        {"kind": "date", "date": "2023-13-01"},
        {"kind": "date", "date": "31/8/2023"},
        {"kind": "date", "date": ""},
        {"kind": "date", "date": None},
        {"kind": "range", "start": "2023-09-01", "end": "2023-02-30"},
        {"kind": "from", "start": "2025-07-32"},
        # a range that ends before it starts
        {"kind": "range", "start": "2024-03-31", "end": "2023-09-01"},
        # days of month out of range
        {"kind": "monthly", "days": [32]},
        {"kind": "monthly", "days": [5, 32]},
        {"kind": "monthly", "days": [0]},
        {"kind": "monthly", "days": ["x"]},
        {"kind": "monthly", "days": 5},
        # months out of range
        {"kind": "yearly", "months": [13]},
        {"kind": "yearly", "months": [0]},
        {"kind": "yearly", "dates": ["13-01"]},
        {"kind": "yearly", "dates": ["00-10"]},
        {"kind": "yearly", "dates": ["12-00"]},
        {"kind": "yearly", "dates": ["12"]},
        {"kind": "yearly", "dates": ["12-05-01"]},
        {"kind": "yearly", "dates": ["Dec-05"]},
        {"kind": "weekly", "weekday": "Monday"},
        # missing keys
        {"kind": "date"},
        {"kind": "range", "start": "2023-09-01"},
        {"kind": "range", "end": "2023-09-01"},
        {"kind": "from"},
    ],
    ids=repr,
)
def test_spec_from_dict_rejects_malformed(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        spec_from_dict(data)


@pytest.mark.parametrize("text", ["01-32", "04-31", "02-30", "12-99"])
def test_spec_from_dict_rejects_impossible_yearly_dates(text: str) -> None:
    with pytest.raises(ValueError):
        spec_from_dict({"kind": "yearly", "dates": [text]})


@pytest.mark.parametrize("weekday", [7, -1, 9])
def test_spec_from_dict_rejects_weekday_out_of_range(weekday: int) -> None:
    with pytest.raises(ValueError):
        spec_from_dict({"kind": "weekly", "weekday": weekday})


@pytest.mark.parametrize(
    "data",
    [{"kind": "monthly", "days": "22"}, {"kind": "yearly", "months": "12"}],
    ids=repr,
)
def test_spec_from_dict_rejects_string_instead_of_list(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        spec_from_dict(data)


# --- properties -------------------------------------------------------------------------

windows = st.tuples(
    st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31)),
    st.integers(min_value=-3, max_value=800),
)
monthly_days = st.lists(st.integers(min_value=1, max_value=31), max_size=6).map(tuple)


@given(days=monthly_days, window=windows)
def test_property_monthly_occurrences(days: tuple[int, ...], window: tuple[date, int]) -> None:
    start, span = window
    end = start + timedelta(days=span)
    found = occurrences(Monthly(days), start, end)

    # inside the window, sorted and unique
    assert all(start <= d <= end for d in found)
    assert found == sorted(set(found))

    # each one is one of the named days, clamped to its month
    for d in found:
        last = stdlib_calendar.monthrange(d.year, d.month)[1]
        assert d.day in {min(n, last) for n in days}

    # and none is missing: brute force over every day of the window
    expected = []
    day = start
    while day <= end:
        last = stdlib_calendar.monthrange(day.year, day.month)[1]
        if day.day in {min(n, last) for n in days}:
            expected.append(day)
        day += timedelta(days=1)
    assert found == expected


@given(weekday=st.integers(min_value=0, max_value=6), window=windows)
def test_property_weekly_occurrences(weekday: int, window: tuple[date, int]) -> None:
    start, span = window
    end = start + timedelta(days=span)
    found = occurrences(Weekly(weekday), start, end)
    expected = [
        start + timedelta(days=i)
        for i in range(max(span + 1, 0))
        if (start + timedelta(days=i)).weekday() == weekday
    ]
    assert found == expected


@given(
    spec=st.one_of(
        st.builds(OnDate, st.dates()),
        st.builds(
            lambda a, n: DateRange(a, a + timedelta(days=n)),
            st.dates(max_value=D(9000, 1, 1)),
            st.integers(min_value=0, max_value=5000),
        ),
        st.builds(Weekly, st.none() | st.integers(min_value=0, max_value=6)),
        st.builds(Monthly, monthly_days),
        st.builds(
            Yearly,
            st.lists(
                st.dates(min_value=D(2024, 1, 1), max_value=D(2024, 12, 31)).map(
                    lambda d: (d.month, d.day)
                ),
                max_size=4,
            ).map(tuple),
            st.lists(st.integers(min_value=1, max_value=12), max_size=4).map(tuple),
        ),
        st.builds(From, st.dates()),
        st.builds(Conditional, st.text()),
        st.sampled_from([Quarterly(), HalfYearly(), Ongoing()]),
    )
)
def test_property_spec_round_trip(spec: DeadlineSpec) -> None:
    assert spec_from_dict(spec_to_dict(spec)) == spec

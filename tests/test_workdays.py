"""Tests for bot/workdays.py: weekends, Vietnamese public holidays, admin changes.

Holiday expectations are the days off the Government actually announced for public
servants (checked against the ``holidays`` package's VN table, which agrees for
2023-2025), and every weekday was checked with Python's ``datetime``.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.workdays import WorkingCalendar

D = date

# One shared calendar for the tests that do not care about holiday names (names depend
# on the locale, see the holiday_name tests below).
CAL = WorkingCalendar()


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# --- weekends -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2023, 3, 13), True),  # Monday
        (D(2023, 3, 14), True),
        (D(2023, 3, 15), True),
        (D(2023, 3, 16), True),
        (D(2023, 3, 17), True),  # Friday
        (D(2023, 3, 18), False),  # Saturday
        (D(2023, 3, 19), False),  # Sunday
        (D(2023, 8, 5), False),  # Saturday
        (D(2023, 8, 6), False),  # Sunday
        (D(2023, 8, 7), True),  # Monday
    ],
)
def test_weekends(day: date, working: bool) -> None:
    assert (day.weekday() < 5) is working  # the expectation itself, checked by Python
    assert CAL.is_working_day(day) is working


# --- public holidays ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last"),
    [
        # Tết Quý Mão: 20/01 (29 Tết, Friday) - 26/01/2023 (mùng 5, Thursday).
        (D(2023, 1, 20), D(2023, 1, 26)),
        # Tết Giáp Thìn: 08/02 (Thursday) - 14/02/2024 (Wednesday).
        (D(2024, 2, 8), D(2024, 2, 14)),
        # Tết Ất Tỵ: 25/01 (Saturday) - 02/02/2025 (Sunday), nine days.
        (D(2025, 1, 25), D(2025, 2, 2)),
        # Tết Đinh Mùi: 04/02 (Thursday) - 10/02/2027 (Wednesday); mùng 1 is Saturday 06/02.
        (D(2027, 2, 4), D(2027, 2, 10)),
        # 30/4 - 1/5 in 2023: Giỗ Tổ (10/3 âm lịch) fell on Saturday 29/4 and 30/4 on a
        # Sunday, so both were made up on Tuesday 2/5 and Wednesday 3/5: 29/4 - 3/5 off.
        (D(2023, 4, 29), D(2023, 5, 3)),
        # 2024: Monday 29/4 off in exchange for working Saturday 4/5: 27/4 - 1/5 off.
        (D(2024, 4, 27), D(2024, 5, 1)),
        # 2025: Friday 2/5 off in exchange for working Saturday 26/4: 30/4 - 4/5 off.
        (D(2025, 4, 30), D(2025, 5, 4)),
        # Quốc khánh 2023: 1/9 (Friday) - 4/9 (Monday, 2/9 was a Saturday).
        (D(2023, 9, 1), D(2023, 9, 4)),
        # Quốc khánh 2024: 31/8 (Saturday) - 3/9 (Tuesday).
        (D(2024, 8, 31), D(2024, 9, 3)),
        # Quốc khánh 2025: 30/8 (Saturday) - 2/9 (Tuesday).
        (D(2025, 8, 30), D(2025, 9, 2)),
        # Tết Dương lịch 2023: 1/1 was a Sunday, made up on Monday 2/1.
        (D(2022, 12, 31), D(2023, 1, 2)),
    ],
)
def test_holiday_periods_are_off_and_bounded_by_working_days(first: date, last: date) -> None:
    for day in days(first, last):
        assert not CAL.is_working_day(day), day
    assert CAL.is_working_day(first - timedelta(days=1))
    assert CAL.is_working_day(last + timedelta(days=1))


@pytest.mark.parametrize(
    "day",
    [
        D(2023, 1, 22),  # mùng 1 Tết 2023 (Sunday)
        D(2024, 2, 10),  # mùng 1 Tết 2024 (Saturday)
        D(2025, 1, 29),  # mùng 1 Tết 2025 (Wednesday)
        D(2027, 2, 6),  # mùng 1 Tết 2027 (Saturday)
        D(2023, 4, 29),  # Giỗ Tổ Hùng Vương 2023
        D(2024, 4, 18),  # Giỗ Tổ Hùng Vương 2024
        D(2025, 4, 7),  # Giỗ Tổ Hùng Vương 2025
        D(2023, 4, 30),
        D(2024, 4, 30),
        D(2023, 5, 1),
        D(2025, 5, 1),
        D(2023, 9, 2),
        D(2024, 9, 2),
        D(2025, 9, 2),
        D(2024, 1, 1),
    ],
)
def test_fixed_holidays_have_a_name(day: date) -> None:
    assert not CAL.is_working_day(day)
    name = CAL.holiday_name(day)
    assert isinstance(name, str)
    assert name


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2024, 4, 18), False),  # Giỗ Tổ 2024, a Thursday
        (D(2024, 4, 17), True),
        (D(2024, 4, 19), True),
        (D(2025, 4, 7), False),  # Giỗ Tổ 2025, a Monday
        (D(2025, 4, 4), True),  # the Friday before
        (D(2025, 4, 8), True),
    ],
)
def test_gio_to_hung_vuong(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2023, 1, 22), "Tết Nguyên Đán"),
        (D(2024, 4, 18), "Ngày Giỗ Tổ Hùng Vương"),
        (D(2025, 4, 30), "Ngày Chiến thắng"),
        (D(2025, 5, 1), "Ngày Quốc tế Lao động"),
        (D(2025, 9, 2), "Quốc khánh"),
    ],
)
def test_holiday_name_in_vietnamese(monkeypatch: pytest.MonkeyPatch, day: date, name: str) -> None:
    monkeypatch.setenv("LANGUAGE", "vi")
    assert WorkingCalendar().holiday_name(day) == name


@pytest.mark.parametrize(
    "day",
    [
        D(2023, 3, 15),  # an ordinary Wednesday
        D(2023, 8, 5),  # an ordinary Saturday: a weekend is not a holiday
        D(2023, 1, 19),  # the working day just before Tết 2023
        D(2023, 1, 27),  # the working day just after
        D(2024, 5, 4),  # a make-up Saturday is not a holiday
    ],
)
def test_holiday_name_none_otherwise(day: date) -> None:
    assert CAL.holiday_name(day) is None


def test_holiday_name_does_not_depend_on_the_process_locale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    day = D(2023, 1, 22)
    monkeypatch.setenv("LANGUAGE", "vi")
    vietnamese = WorkingCalendar().holiday_name(day)
    monkeypatch.setenv("LANGUAGE", "en_US")
    english = WorkingCalendar().holiday_name(day)
    assert vietnamese == english


@pytest.mark.parametrize(
    "day",
    [
        D(2024, 5, 4),  # worked in exchange for Monday 29/4/2024
        D(2025, 4, 26),  # worked in exchange for Friday 2/5/2025
    ],
)
def test_make_up_saturdays_known_to_the_holidays_package(day: date) -> None:
    assert day.weekday() == 5
    assert WorkingCalendar().is_working_day(day)


# --- admin changes: ngày nghỉ bù / ngày làm bù ----------------------------------------------


def test_extra_working_day_on_a_saturday() -> None:
    # 12/8/2023 is an ordinary Saturday the holidays package knows nothing about.
    cal = WorkingCalendar(extra_working_days=[D(2023, 8, 12)])
    assert cal.is_working_day(D(2023, 8, 12))
    assert cal.holiday_name(D(2023, 8, 12)) is None
    # other weekends are untouched
    assert not cal.is_working_day(D(2023, 8, 13))
    assert not cal.is_working_day(D(2023, 8, 19))
    # and the same day without the admin's entry is off
    assert not WorkingCalendar().is_working_day(D(2023, 8, 12))


def test_extra_working_day_overrides_a_holiday() -> None:
    cal = WorkingCalendar(extra_working_days=[D(2023, 5, 3)])
    assert cal.is_working_day(D(2023, 5, 3))
    assert cal.holiday_name(D(2023, 5, 3)) is None
    assert not cal.is_working_day(D(2023, 5, 2))


def test_extra_day_off() -> None:
    # The province gives Thursday 15/02/2024, after Tết, off.
    cal = WorkingCalendar(extra_days_off=[D(2024, 2, 15)])
    assert not cal.is_working_day(D(2024, 2, 15))
    assert cal.is_working_day(D(2024, 2, 16))
    assert WorkingCalendar().is_working_day(D(2024, 2, 15))


def test_extra_days_accept_any_iterable() -> None:
    cal = WorkingCalendar(
        extra_days_off=(d for d in [D(2023, 8, 3), D(2023, 8, 4)]),
        extra_working_days={D(2023, 8, 5)},
    )
    assert not cal.is_working_day(D(2023, 8, 3))
    assert not cal.is_working_day(D(2023, 8, 4))
    assert cal.is_working_day(D(2023, 8, 5))
    # and they are kept, not consumed on first use
    assert not cal.is_working_day(D(2023, 8, 4))


# --- on_or_before / working_days_before -------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2023, 8, 4), D(2023, 8, 4)),  # a working Friday is itself
        (D(2023, 8, 5), D(2023, 8, 4)),  # Saturday -> Friday
        (D(2023, 8, 6), D(2023, 8, 4)),  # Sunday -> Friday
        (D(2023, 1, 24), D(2023, 1, 19)),  # inside Tết 2023 -> Thursday before
        (D(2023, 5, 3), D(2023, 4, 28)),  # end of the 30/4 break 2023 -> Friday 28/4
        (D(2027, 2, 5), D(2027, 2, 3)),  # Tết 2027 eve -> Wednesday 3/2
        (D(2023, 9, 4), D(2023, 8, 31)),  # Quốc khánh 2023 -> Thursday 31/8
    ],
)
def test_on_or_before(day: date, expected: date) -> None:
    assert CAL.on_or_before(day) == expected


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        # 05/08/2023 is a Saturday.
        (D(2023, 8, 5), 0, D(2023, 8, 4)),
        (D(2023, 8, 5), 1, D(2023, 8, 3)),
        (D(2023, 8, 5), 3, D(2023, 8, 1)),
        (D(2023, 8, 5), 5, D(2023, 7, 28)),
        # from Monday 07/08/2023, back over the weekend
        (D(2023, 8, 7), 0, D(2023, 8, 7)),
        (D(2023, 8, 7), 1, D(2023, 8, 4)),
        (D(2023, 8, 7), 3, D(2023, 8, 2)),
        # back over Tết 2023 (20-26/1): Friday 27/1 -> Thursday 19/1
        (D(2023, 1, 27), 0, D(2023, 1, 27)),
        (D(2023, 1, 27), 1, D(2023, 1, 19)),
        (D(2023, 1, 27), 3, D(2023, 1, 17)),
        (D(2023, 1, 22), 1, D(2023, 1, 18)),
        # back over 29/4 - 3/5/2023: Thursday 4/5 -> Friday 28/4
        (D(2023, 5, 4), 1, D(2023, 4, 28)),
        (D(2023, 5, 4), 3, D(2023, 4, 26)),
        # Tết 2027: 5/2 is off (4-10/2), so the deadline moves to Wednesday 3/2
        (D(2027, 2, 5), 0, D(2027, 2, 3)),
        (D(2027, 2, 5), 1, D(2027, 2, 2)),
        (D(2027, 2, 5), 3, D(2027, 1, 29)),
        # Quốc khánh 2023 (1-4/9): Tuesday 5/9 -> Thursday 31/8
        (D(2023, 9, 5), 1, D(2023, 8, 31)),
        # across the new year: Tuesday 3/1/2023, 2/1 is the observed New Year's Day
        (D(2023, 1, 3), 1, D(2022, 12, 30)),
    ],
)
def test_working_days_before(day: date, count: int, expected: date) -> None:
    assert CAL.working_days_before(day, count) == expected


def test_working_days_before_counts_a_make_up_saturday() -> None:
    # 4/5/2024 was worked in exchange for 29/4/2024; the holidays package knows it.
    monday = D(2024, 5, 6)
    assert CAL.working_days_before(monday, 1) == D(2024, 5, 4)  # the make-up Saturday
    assert CAL.working_days_before(monday, 2) == D(2024, 5, 3)
    # An admin-entered make-up Saturday counts the same way.
    cal = WorkingCalendar(extra_working_days=[D(2023, 8, 12)])
    assert cal.working_days_before(D(2023, 8, 14), 1) == D(2023, 8, 12)
    assert CAL.working_days_before(D(2023, 8, 14), 1) == D(2023, 8, 11)


def test_working_days_before_skips_an_extra_day_off() -> None:
    cal = WorkingCalendar(extra_days_off=[D(2023, 8, 4)])
    assert cal.working_days_before(D(2023, 8, 5), 0) == D(2023, 8, 3)
    assert cal.working_days_before(D(2023, 8, 7), 1) == D(2023, 8, 3)
    assert cal.working_days_before(D(2023, 8, 7), 3) == D(2023, 8, 1)


@pytest.mark.parametrize("count", [-1, -5])
def test_working_days_before_rejects_negative_count(count: int) -> None:
    with pytest.raises(ValueError):
        CAL.working_days_before(D(2023, 8, 5), count)


@given(
    day=st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31)),
    count=st.integers(min_value=0, max_value=15),
)
def test_property_working_days_before(day: date, count: int) -> None:
    result = CAL.working_days_before(day, count)
    assert result <= day
    assert CAL.is_working_day(result)
    # exactly ``count`` working days lie after the result, up to and including ``day``
    between = [d for d in days(result + timedelta(days=1), day) if CAL.is_working_day(d)]
    assert len(between) == count


@given(day=st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31)))
def test_property_on_or_before(day: date) -> None:
    result = CAL.on_or_before(day)
    assert result <= day
    assert CAL.is_working_day(result)
    assert not any(CAL.is_working_day(d) for d in days(result + timedelta(days=1), day))
    assert (result == day) is CAL.is_working_day(day)

"""Property tests: deadline phrases never raise and never produce an invalid date."""

from __future__ import annotations

import unicodedata
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.calendar import DateRange, DeadlineSpec, From, Monthly, OnDate, Weekly, Yearly
from bot.plan_import.deadlines import (
    _PHRASE,
    MAX_YEAR,
    MIN_YEAR,
    _key,
    _phrases,
    find_deadline,
    parse_deadline,
)

REAL = [
    "trước ngày 31/8/2023", "ngày 05 tháng 12 năm 2025", "trong tháng 7/2023",
    "tháng 12 năm 2025", "Quý III/2023", "Quí IV-2025", "Quý III Năm 2026",
    "Quý IV/2025 - Quý II/2026", "Tháng 8 - tháng 12/2023", "tháng 8,9/2023",
    "Tháng 7-9/2023", "Tháng 9/2023 - tháng 3/2024", "đầu tháng 10/2023", "năm 2025",
    "Giai đoạn 2026-2030", "Từ 01/7/2025", "hàng tuần", "hàng tháng", "hằng tháng",
    "hằng quý", "6 tháng", "hằng năm", "trước ngày 20 hằng tháng",
    "vào ngày 15 và 30 hàng tháng", "trước ngày 05 và 22 hàng tháng",
    "trước ngày 15 tháng 11 hằng năm", "trước ngày 01/6 và 15/11 hằng năm",
    "Tháng 12 hằng năm", "thường xuyên", "sau khi có ý kiến", "theo kế hoạch riêng",
    "31/2/2024", "tháng 13/2023", "Quý V/2023", "ngày 99/99/9999", "tháng 0/0000",
    "năm 0001", "Quý IV/9999 - Quý I/0001", "từ ngày 31/12/2200 đến ngày 1/1/1900",
    "trước tháng 1/1900", "trước năm 1900", "ngày 29/2", "cuối tháng 2", "thứ Sáu hằng tuần",
]
NOISE = st.sampled_from([
    " ", ", ", " - ", "/", "và", "(", ")", ":", ";", ".", "đến", "từ", "trước", "ngày",
    "tháng", "Quý", "năm", "hằng", "xong", "trong", "\u00a0", "Sở Tài chính", "0", "9",
    "12", "31", "2023", "99999", "IV", "V", "\u0301", "đ",
])
YEARS = st.one_of(st.none(), st.integers(min_value=-10, max_value=10_000))


def check(specs: tuple[DeadlineSpec, ...]) -> None:
    for spec in specs:
        days: list[date] = []
        if isinstance(spec, OnDate):
            days = [spec.date]
        elif isinstance(spec, DateRange):
            assert spec.start <= spec.end
            days = [spec.start, spec.end]
        elif isinstance(spec, From):
            days = [spec.start]
        elif isinstance(spec, Monthly):
            assert all(1 <= day <= 31 for day in spec.days)
        elif isinstance(spec, Weekly):
            assert spec.weekday is None or 0 <= spec.weekday <= 6
        elif isinstance(spec, Yearly):
            for month, day in spec.dates:
                date(2024, month, day)  # a real day of some year (29/2 in leap years)
            assert all(1 <= month <= 12 for month in spec.months)
        for day in days:
            assert MIN_YEAR <= day.year <= MAX_YEAR


def both(text: str, year: int | None) -> None:
    check(parse_deadline(text, year))
    found = find_deadline(text, year)
    if found is not None:
        assert found.text in text
        assert found.specs
        check(found.specs)


@settings(max_examples=500)
@given(st.text(), YEARS)
def test_random_text(text: str, year: int | None) -> None:
    both(text, year)


@settings(max_examples=500)
@given(st.lists(st.one_of(st.sampled_from(REAL), NOISE), max_size=12), YEARS,
       st.booleans())
def test_mixtures_of_real_phrases_and_noise(parts: list[str], year: int | None,
                                            decompose: bool) -> None:
    text = " ".join(parts)
    both(unicodedata.normalize("NFD", text) if decompose else text, year)
    both("".join(parts), year)


@settings(max_examples=300)
@given(st.integers(-5, 105), st.integers(-5, 15), st.integers(0, 9999),
       st.sampled_from(["/", "-", ".", " / "]), YEARS)
def test_any_numeric_date(day: int, month: int, year_written: int, sep: str,
                          year: int | None) -> None:
    for template in ("trước ngày {d}{s}{m}{s}{y}", "tháng {m}{s}{y}", "Quý {m}{s}{y}",
                     "ngày {d} tháng {m} năm {y}", "ngày {d} và {m} hằng tháng",
                     "trước ngày {d}{s}{m} hằng năm", "Tháng {d} - tháng {m}{s}{y}"):
        both(template.format(d=day, m=month, y=year_written, s=sep), year)


@settings(max_examples=300)
@given(st.lists(st.one_of(st.sampled_from(REAL), NOISE, st.text(max_size=5)), max_size=12))
def test_the_fast_search_finds_what_the_pattern_finds(parts: list[str]) -> None:
    key, _ = _key(" ".join(parts))
    assert [m.span() for m in _phrases(key)] == [m.span() for m in _PHRASE.finditer(key)]

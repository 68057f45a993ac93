"""Which month a message asks about: "/due 8/2023", "tháng sau", "thang 8", "T8". Pure.

Officers type without diacritics, so matching runs on folded text. The one place
folding loses meaning is "tháng sáu" (June) against "tháng sau" (next month): the
folded form means "next month", and June needs its accent or a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.calendar import Month
from bot.text import fold, nfc

_DATE_PUNCTUATION = re.compile(r"(?<=\d)\s*([/.-])\s*(?=\d)")


def _fold_keeping_dates(text: str) -> str:
    """``fold`` turns "8/2023" into "8 2023"; keep the separators between digits."""
    protected = _DATE_PUNCTUATION.sub(lambda m: {"/": " SLASH ", "-": " DASH ",
                                                 ".": " DOT "}[m.group(1)], text)
    folded = fold(protected)
    return folded.replace(" slash ", "/").replace(" dash ", "-").replace(" dot ", ".")

MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class InvalidMonth:
    """The message names a month that does not exist ("13/2023", "31/2/2024")."""

    text: str


MonthAnswer = Month | InvalidMonth | None

_RELATIVE = (
    (re.compile(r"\b(thang nay|thang hien tai|this month)\b"), 0),
    (re.compile(r"\b(thang sau|thang toi|thang ke tiep|next month)\b"), 1),
    (re.compile(r"\b(thang truoc|last month|previous month)\b"), -1),
)
_WORD_MONTHS = {
    "gieng": 1, "mot": 1, "hai": 2, "ba": 3, "tu": 4, "bon": 4, "nam": 5, "bay": 7,
    "tam": 8, "chin": 9, "muoi": 10, "muoi mot": 11, "muoi hai": 12, "chap": 12,
}
# "may" is left out: folded Vietnamese is full of it ("nhà máy" → "nha may").
_EN_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}
_YEAR_WORDS = (
    (re.compile(r"\bnam (sau|toi)\b|\bnext year\b"), 1),
    (re.compile(r"\bnam (truoc|ngoai)\b|\blast year\b"), -1),
)

_ISO_MONTH = re.compile(r"(?<![\d/.-])(\d{4})-(\d{1,2})(?![\d/.-])")
_FULL_DATE = re.compile(r"(?<![\d/.])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?![\d/.])")
_MONTH_YEAR = re.compile(r"(?<![\d/.])(\d{1,2})\s*[/.-]\s*(\d{4})(?![\d/.])")
_MONTH_NUMBER = re.compile(
    r"\b(?:thang|t|month)\s*(\d{1,2})(?:\s*(?:nam|year|/|-)\s*(\d{4}))?(?![\d/])"
)
_WORD_MONTH = re.compile(
    r"\bthang (muoi hai|muoi mot|muoi|gieng|chap|mot|hai|ba|tu|bon|nam|bay|tam|chin)\b"
    r"(?!\s*\d{4})"
)
_EN_MONTH = re.compile(r"\b(" + "|".join(sorted(_EN_MONTHS, key=len, reverse=True)) +
                       r")\b(?:\s+(\d{4}))?")


def _closest_year(month: int, today: date) -> int:
    """The year that puts ``month`` closest to today: asked in December, "tháng 1"
    means the coming January; asked in November, "tháng 8" means this August."""
    current = Month.of(today)
    candidates = (Month(today.year + k, month) for k in (-1, 0, 1))
    return min(candidates, key=lambda m: abs(
        (m.year - current.year) * 12 + m.month - current.month)).year


def _build(month: int, year: int | None, today: date, text: str, shift: int) -> MonthAnswer:
    if not 1 <= month <= 12:
        return InvalidMonth(text)
    if year is None:
        year = _closest_year(month, today) if shift == 0 else today.year + shift
    if not MIN_YEAR <= year <= MAX_YEAR:
        return InvalidMonth(text)
    return Month(year, month)


def find_month(text: str, today: date) -> MonthAnswer:
    """The month ``text`` asks about, ``InvalidMonth`` for an impossible one, or None."""
    original = nfc(text).lower()
    folded = _fold_keeping_dates(text)
    year_shift = next((shift for pattern, shift in _YEAR_WORDS if pattern.search(folded)), 0)

    if "tháng sáu" in original:
        june = re.search(r"tháng sáu\s*(?:năm\s*)?(\d{4})", original)
        return _build(6, int(june.group(1)) if june else None, today, text, year_shift)
    if match := _FULL_DATE.search(folded):
        day, month, year = (int(g) for g in match.groups())
        try:
            return Month.of(date(year, month, day)) if MIN_YEAR <= year <= MAX_YEAR \
                else InvalidMonth(match.group(0))
        except ValueError:
            return InvalidMonth(match.group(0))
    if match := _ISO_MONTH.search(folded):
        return _build(int(match.group(2)), int(match.group(1)), today, match.group(0), 0)
    if match := _MONTH_YEAR.search(folded):
        return _build(int(match.group(1)), int(match.group(2)), today, match.group(0), 0)
    if match := _MONTH_NUMBER.search(folded):
        year_text = match.group(2)
        return _build(int(match.group(1)), int(year_text) if year_text else None, today,
                      match.group(0), year_shift)
    for pattern, shift in _RELATIVE:
        if pattern.search(folded):
            return Month.of(today).shift(shift)
    if match := _WORD_MONTH.search(folded):
        return _build(_WORD_MONTHS[match.group(1)], None, today, match.group(0), year_shift)
    if match := _EN_MONTH.search(folded):
        year_text = match.group(2)
        return _build(_EN_MONTHS[match.group(1)], int(year_text) if year_text else None,
                      today, match.group(0), year_shift)
    return None


_REMOVABLE = (_FULL_DATE, _ISO_MONTH, _MONTH_NUMBER, _MONTH_YEAR, _WORD_MONTH, _EN_MONTH,
              *(pattern for pattern, _ in _RELATIVE), *(pattern for pattern, _ in _YEAR_WORDS))


def without_month(text: str) -> str:
    """``text`` folded, with every month phrase taken out: what is left of
    "/due Sở Tư pháp tháng 8" once the month is read is the unit's name."""
    folded = _fold_keeping_dates(text)
    for pattern in _REMOVABLE:
        folded = pattern.sub(" ", folded)
    return fold(folded)

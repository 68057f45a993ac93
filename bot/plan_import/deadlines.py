"""Deadline phrases of Vietnamese plans → deadline specs. Pure: no I/O, no clock.

Two readings of the same grammar:

``parse_deadline(phrase, year)``
    the *liberal* reading of a text that is a deadline (a table's "Thời gian hoàn
    thành" cell, the value after "Thời gian thực hiện:"): every phrase found counts,
    bare ones too ("Quý III/2023", "31/8/2023", "6 tháng", "2026-2030").
``find_deadline(text, year)``
    the *conservative* reading of a prose sentence: only phrases with a deadline cue
    count, and the phrase is returned as written.

Matching is done on a comparison key of the text (see ``_key``): no diacritics,
lowercase, one character per character of the text, so a span of the key is the
same span of the text. Accents decomposed or in the old placement, "Quí"/"Quý",
"hàng"/"hằng", non-breaking spaces and text typed without diacritics all read alike.

Readings of ambiguous phrases (documented decisions):

- a single day → ``OnDate``; "trước ngày X" is read as "by X" (the seed plan's reading).
- a month, a quarter, a year → ``DateRange`` over it; "Giai đoạn 2026-2030" → one range.
- lists of months or quarters ("tháng 8,9/2023", "Quý III, IV/2023") → one range per
  run of contiguous periods: "tháng 8,9/2023" → 1 Aug – 30 Sep, but "tháng 3, 6, 9/2023"
  → three ranges (one per month); the plan names three separate windows.
- ranges "Tháng 8 - tháng 12/2023", "Quý IV/2025 - Quý II/2026" → one range from the
  first day of the first to the last day of the last. A first period without a year
  takes the year of the next that has one ("Tháng 8 - tháng 12/2023"), moved back a
  year when it would otherwise fall after the end ("tháng 11 - tháng 2/2024" → Nov 2023).
- "đầu tháng 10/2023" → 1–10 Oct; "giữa tháng" → 11–20; "cuối tháng" → 21 – last day.
- "trước tháng 9/2023", "trước Quý IV/2023", "trước năm 2025" → ``OnDate`` of the day
  before the period starts (literal reading of "before").
- "Từ 01/7/2025", "từ tháng 7/2023" → ``From`` the first day; "từ … đến …" → a range.
- "6 tháng đầu/cuối năm 2023" → the half year as a range (liberal reading only; in
  prose it names the period a document covers, never a deadline). "6 tháng" alone,
  "định kỳ 6 tháng", "6 tháng một lần" → ``HalfYearly``; "trong 6 tháng" (a duration)
  → nothing.
- "ngày 15-20 hàng tháng" → the end day, ``Monthly((20,))``; "hằng tháng, trước ngày 20"
  → ``Monthly((20,))`` like "trước ngày 20 hằng tháng".
- "Tháng 12 hằng năm" → ``Yearly(months=(12,))``; "tháng 7-9 hằng năm" → months (7, 8, 9);
  "Quý IV hằng năm" → ``Yearly(months=(12,))`` (the quarter's last month).
- "thứ Sáu hằng tuần" → ``Weekly(4)``. "hằng ngày", "thường xuyên" → ``Ongoing``;
  "liên tục" → ``Ongoing`` in the liberal reading only.
- "sau khi …" → ``Conditional`` with the phrase up to the end of its clause (next
  , ; : . or bracket); "theo kế hoạch riêng" → ``Conditional``. The liberal reading
  also takes "khi có yêu cầu", "theo yêu cầu / tiến độ / chỉ đạo / kế hoạch / lộ trình /
  quy định …".
- impossible dates ("31/2/2024", "tháng 13/2023", "Quý V/2023"), years outside
  1900–2200 and phrases needing a year when none is known give nothing for that phrase.

Prose (``find_deadline``) accepts, beyond the phrases that are cues by themselves
(recurrences, "trước ngày 20 hằng tháng", "đầu tháng 10/2023", "thường xuyên",
"sau khi …", "theo kế hoạch riêng"):

- a date after "trước", "chậm nhất", "xong", "hoàn thành", "vào", "trong", "từ", "hạn";
  never a bare date ("Quyết định số 728/QĐ-TTg ngày 20/6/2023") nor "đến ngày"
  ("số liệu tính đến ngày 30/6/2023");
- a month or quarter after those cues or "cao điểm", "dự kiến", or bare right after an
  opening bracket ("(Tháng 7-9/2023)", "(quý III/2023)"), or opening the sentence
  before a colon ("Tháng 7/2023: …");
- a year only after "xong", "hoàn thành", "chậm nhất", "trước" ("hoàn thành trong năm
  2024"): "năm 2023", "giai đoạn 2021-2025", "thời kỳ 2021-2030", "đến năm 2045",
  "trong năm 2023" name programmes and periods, not deadlines;
- not "thường xuyên" of "chi thường xuyên" (recurrent spending), nor a recurrence
  naming a plan ("kế hoạch hằng năm").

Several deadline phrases in one sentence: phrases that follow one another with only
"," ";" "và" "hoặc" "-" between them make one match spanning them all, with all their
specs ("hàng tuần, hàng tháng" → weekly + monthly). Otherwise the first such run is
returned, except that a run of only weak readings (``Ongoing``, ``Conditional``)
gives way to a later run with a dated or recurring deadline ("Thường xuyên theo dõi,
báo cáo trước ngày 20 hằng tháng" → monthly on the 20th).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from bot.calendar import (
    Conditional,
    DateRange,
    DeadlineSpec,
    From,
    HalfYearly,
    Monthly,
    OnDate,
    Ongoing,
    Quarterly,
    Weekly,
    Yearly,
    last_day_of_month,
)

__all__ = ["MAX_YEAR", "MIN_YEAR", "DeadlineMatch", "find_deadline", "parse_deadline"]

MIN_YEAR = 1900
MAX_YEAR = 2200


@dataclass(frozen=True)
class DeadlineMatch:
    """A deadline phrase of a sentence: ``text`` exactly as written there, and its specs."""

    text: str
    specs: tuple[DeadlineSpec, ...]


# --- The comparison key ---------------------------------------------------------------


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in (*range(0x41, 0x5B), *range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        char = chr(cp)
        base = unicodedata.normalize("NFD", char)[0]
        if base.isascii() and base.isalpha():
            table[cp] = base.lower()
    for char in "đĐÐɖ":
        table[ord(char)] = "d"
    for cp in (0x09, 0x0B, 0x0C, 0x0D, 0xA0, 0x1680, *range(0x2000, 0x200C), 0x202F,
               0x205F, 0x3000, 0xFEFF):
        table[cp] = " "
    for char in "‐‑‒–—―−﹣－":
        table[ord(char)] = "-"
    return table


_TABLE = _build_table()
_COMBINING = re.compile(r"[\u0300-\u036f\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _key(text: str) -> tuple[str, list[int] | None]:
    """The comparison key of ``text`` and, when it is not one character per character
    (combining marks are dropped), the index in ``text`` of each key character."""
    if not _COMBINING.search(text):
        return text.translate(_TABLE), None
    chars: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text):
        if unicodedata.combining(char):
            continue
        chars.append(_TABLE.get(ord(char), char))
        positions.append(index)
    return "".join(chars), positions


def _span(text: str, positions: list[int] | None, start: int, end: int) -> str:
    if positions is None:
        return text[start:end]
    first = positions[start] if start < len(positions) else len(text)
    last = positions[end] if end < len(positions) else len(text)
    return text[first:last]


# --- The grammar, on the key ------------------------------------------------------------

_W = r"(?<![a-z0-9/])"  # a word starts
_E = r"(?![a-z0-9])"  # a word ends
_D = r"\d{1,2}(?!\d)"  # a day or month number
_Y = r"\d{4}(?!\d)"
_DSEP = r"\s*[/.\-]\s*"
_NODATE = rf"(?!{_DSEP}\d)"  # a bare day, not the start of d/m
_J = rf"\s*(?:[,;&\-]|(?:va|hoac|den|toi){_E})\s*"  # joins list items and ranges
_YSEP = r"(?:\s*[/.\-]\s*|\s*,?\s*nam\s*)"  # month or quarter → its year
_Q = r"(?:iv|i{1,3}|v|\d)(?![a-z0-9])"
_QU = r"qu[yi]\s*"
_HANG = r"hang\s*"  # hàng, hằng
_NDATE = rf"{_D}{_DSEP}{_D}(?:{_DSEP}{_Y})?"
_WDATE = rf"ngay\s*{_D}\s*thang\s*{_D}(?:\s*,?\s*nam\s*{_Y}|{_DSEP}{_Y})?"
_DATE = rf"(?:(?:ngay\s*)?{_NDATE}|{_WDATE})"
_WEEKDAY = r"(?:thu\s*(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s*nhat)(?![a-z0-9])"
_PER = r"(?:tuan|thang|quy|nam|(?:6|sau)\s*thang(?!\s*(?:dau|cuoi)))(?![a-z0-9])(?!\s*\d)"
_MGROUP = rf"thang\s*{_D}(?:{_J}(?:thang\s*)?{_D})*(?:{_YSEP}{_Y})?"
_QGROUP = rf"{_QU}{_Q}(?:{_J}(?:{_QU})?{_Q})*(?:{_YSEP}{_Y})?"
_DAYS = rf"(?:cac\s*)?ngay\s*{_D}{_NODATE}(?:{_J}(?:ngay\s*)?{_D}{_NODATE})*"
_CLAUSE = r"[^,;:.!?()\[\]|\n]*"

_CUE = (
    r"(?:(?:xong|hoan\s*thanh|hoan\s*tat|ket\s*thuc)(?:\s*(?:truoc|trong|vao))?"
    r"|cham\s*nhat(?:\s*(?:la|vao|truoc|trong))?"
    r"|truoc|trong(?:\s*thoi\s*gian)?|vao"
    r"|(?:(?<!dau )(?<!thu )(?:ke\s*|bat\s*dau\s*)?tu)"
    r"|den\s*het|den|toi"
    r"|cao\s*diem|du\s*kien"
    r"|thoi\s*(?:gian|han)(?:\s*(?:thuc\s*hien|hoan\s*thanh))?\s*:?"
    r"|han\s*:?)(?![a-z0-9])"
)

_BRANCHES: tuple[tuple[str, str], ...] = (
    ("wk", rf"(?:vao\s*)?(?:cac\s*)?(?:ngay\s*)?{_WEEKDAY}\s*{_HANG}tuan{_E}"
           rf"|{_HANG}tuan\s*[,(:]?\s*(?:vao\s*)?(?:cac\s*)?(?:ngay\s*)?{_WEEKDAY}"),
    ("mdays", rf"{_DAYS}\s*(?:cua\s*)?{_HANG}thang{_E}"),
    ("mdays2", rf"{_HANG}thang\s*[,(:]?\s*(?:(?:truoc|vao|cham\s*nhat)\s*)?{_DAYS}"),
    ("ydates", rf"(?:ngay\s*)?{_D}\s*(?:[/.\-]|thang)\s*{_D}{_NODATE}"
               rf"(?:{_J}(?:ngay\s*)?{_D}\s*(?:[/.\-]|thang)\s*{_D}{_NODATE})*"
               rf"\s*(?:cua\s*)?{_HANG}nam{_E}"),
    ("ymonths", rf"thang\s*{_D}(?:{_J}(?:thang\s*)?{_D})*\s*(?:cua\s*)?{_HANG}nam{_E}"),
    ("yquart", rf"{_QU}{_Q}(?:{_J}(?:{_QU})?{_Q})*\s*(?:cua\s*)?{_HANG}nam{_E}"),
    ("half", rf"(?:6|sau)\s*thang\s*(?:dau|cuoi)\s*nam(?:\s*{_Y})?"),
    ("rec", rf"(?:dinh\s*ky\s*(?:{_HANG})?|{_HANG}){_PER}"
            rf"(?:\s*(?:[,;/]|va{_E}|hoac{_E})\s*(?:{_HANG})?{_PER})*"),
    ("halfb", r"(?<!\d)6\s*thang(?!\s*(?:dau|cuoi|qua|toi|ke|nay|sau|truoc))(?![a-z0-9])"
              r"(?P<once>\s*(?:mot|1)\s*lan|\s*/\s*lan)?"),
    ("sub", rf"(?:dau|giua|cuoi)\s*thang\s*{_D}(?:{_YSEP}{_Y})?"),
    ("months", rf"{_MGROUP}(?:{_J}{_MGROUP})*"),
    ("quarters", rf"{_QGROUP}(?:{_J}{_QGROUP})*"),
    ("years", rf"(?:(?:giai\s*doan|thoi\s*ky)\s*(?:tu\s*)?(?:nam\s*)?|nam\s*){_Y}"
              rf"(?:\s*(?:-|den|toi)\s*(?:nam\s*)?{_Y})?"),
    ("dates", rf"{_DATE}(?:{_J}{_DATE})*"),
    ("ongoing", rf"thuong\s*xuyen(?:\s*,?\s*(?:va\s*)?lien\s*tuc)?{_E}|lien\s*tuc{_E}"
                rf"|{_HANG}ngay{_E}(?!\s*\d)"),
    ("cond", rf"sau\s*khi{_E}{_CLAUSE}|theo\s*ke\s*hoach\s*rieng{_E}"
             rf"|khi\s*co\s*yeu\s*cau{_E}"
             rf"|theo\s*(?:yeu\s*cau|tien\s*do|chi\s*dao|ke\s*hoach|lo\s*trinh|quy\s*dinh)"
             rf"{_E}{_CLAUSE}"),
    ("bmy", rf"(?<![\d/.\-]){_D}\s*/\s*{_Y}(?![/\d])"),
)

_PHRASE = re.compile(
    rf"{_W}(?:(?P<cue>{_CUE})\s*)?(?:"
    + "|".join(f"(?P<{name}>{body})" for name, body in _BRANCHES)
    + ")"
)
_BRANCH_NAMES = tuple(name for name, _ in _BRANCHES)
# The words a phrase can start with (a cue's or a branch's first word): trying the
# big pattern only where one starts is about twice as fast as ``finditer``. Keep in
# step with ``_CUE`` and ``_BRANCHES`` (a property test compares the two).
_STARTS = re.compile(
    r"(?<![a-z0-9/])(?:truoc|trong|tu|toi|th|vao|xong|hoan|han|hang|ket|ke|khi|cham|cao"
    r"|cac|chu|cuoi|bat|den|du|dau|dinh|giua|giai|ngay|nam|qu|lien|sau|\d)"
)


def _phrases(key: str) -> Iterator[re.Match[str]]:
    """What ``_PHRASE.finditer(key)`` finds, searched from the words that can start one."""
    position = 0
    while (start := _STARTS.search(key, position)) is not None:
        match = _PHRASE.match(key, start.start())
        if match is None:
            position = start.start() + 1
        else:
            yield match
            position = max(match.end(), start.start() + 1)

# Cue classes.
_CUE_FROM = re.compile(r"^(?:ke\s*|bat\s*dau\s*)?tu$")
_CUE_BEFORE = re.compile(r"truoc")
_CUE_STRONG = re.compile(
    r"xong|hoan|ket\s*thuc|cham|truoc|vao|thoi|han|^(?:ke\s*|bat\s*dau\s*)?tu$")
_CUE_WITHIN = re.compile(r"trong|cao|du\s*kien")
_CUE_UNTIL = re.compile(r"^(?:den|toi)")
_CUE_YEAR = re.compile(r"xong|hoan|ket\s*thuc|cham|truoc")
_CUE_DURATION = re.compile(r"trong")

# Prose guards, on the key before a match.
_SPENDING_BEFORE = re.compile(
    r"(?:chi|kinh\s*phi|von|nguon|ngan\s*sach|du\s*toan|nhiem\s*vu\s*chi)\s*$")
_PLAN_BEFORE = re.compile(
    r"(?:ke\s*hoach|chuong\s*trinh|du\s*toan|ngan\s*sach|bao\s*cao\s*tai\s*chinh)\s*$")
_SINCE_NOW_AFTER = re.compile(r"\s*(?:den|toi)\s*(?:nay|hien\s*nay)(?![a-z0-9])")
_BARE_YEARS = re.compile(
    rf"^\s*(?:nam\s*)?({_Y})(?:\s*-\s*(?:nam\s*)?({_Y}))?\s*[.;]?\s*$")

_DATE_ITEM = re.compile(
    rf"(?P<d>{_D}){_DSEP}(?P<m>{_D})(?:{_DSEP}(?P<y>{_Y}))?"
    rf"|ngay\s*(?P<wd>{_D})\s*thang\s*(?P<wm>{_D})(?:\s*,?\s*nam\s*(?P<wy>{_Y})|{_DSEP}(?P<wy2>{_Y}))?"
)
_MONTH_DAY = re.compile(rf"({_D})\s*(?:[/.\-]|thang)\s*({_D})")
_NUMBER = re.compile(r"\d+")
_PERIOD_TOKEN = re.compile(r"\d+|[a-z]+|[,;&/.\-]")
_RANGE_JOIN = re.compile(r"-|(?<![a-z])(?:den|toi)(?![a-z])")
_PER_TOKEN = re.compile(r"(?:6|sau)\s*thang|tuan|thang|quy|nam")
_WEEKDAYS = {"hai": 0, "2": 0, "ba": 1, "3": 1, "tu": 2, "4": 2, "nam": 3, "5": 3,
             "sau": 4, "6": 4, "bay": 5, "7": 5}
_WEEKDAY_RE = re.compile(r"thu\s*(hai|ba|tu|nam|sau|bay|[2-7])|chu\s*nhat")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_SEPARATOR_ONLY = re.compile(r"^[\s,;\-]*(?:(?:va|hoac)(?![a-z0-9]))?[\s,;\-]*$")
# A month that closes a clause after a report or a meeting is when it is due: "báo cáo
# UBND tỉnh tháng 6 năm 2025.", "tại phiên họp thường kỳ tháng 12 năm 2024."
_REPORT_BEFORE = re.compile(r"(?<![a-z])(?:bao cao|trinh|phien hop|ky hop|hoi nghi)(?![a-z])")
_CLOSES_CLAUSE = re.compile(r"\s*(?:[.;)]|$)")
# Two dated deadlines in one clause: "… trước ngày 15/6/2025 và báo cáo năm trước ngày
# 15/11/2025" — both count; a full stop or a semicolon between them separates tasks.
_SAME_CLAUSE = re.compile(r"^[^.;:]{0,60}$")


# --- Building specs ---------------------------------------------------------------------


def _valid_year(year: int | None) -> bool:
    return year is not None and MIN_YEAR <= year <= MAX_YEAR


def _make_date(year: int, month: int, day: int) -> date | None:
    if not _valid_year(year) or not 1 <= month <= 12:
        return None
    if not 1 <= day <= last_day_of_month(year, month):
        return None
    return date(year, month, day)


def _month_range(first_index: int, last_index: int) -> DateRange | None:
    """A range over whole months, given as year * 12 + month - 1."""
    year1, month1 = divmod(first_index, 12)
    year2, month2 = divmod(last_index, 12)
    if not (_valid_year(year1) and _valid_year(year2)) or last_index < first_index:
        return None
    return DateRange(date(year1, month1 + 1, 1),
                     date(year2, month2 + 1, last_day_of_month(year2, month2 + 1)))


@dataclass
class _Item:
    first: int  # the first month of the period (year * 12 + month - 1), year unknown = 0
    months: int  # how many months it spans (1 for a month, 3 for a quarter)
    year: int | None
    explicit: bool
    join: str  # "list" or "range": how it attaches to the item before it


def _periods(text: str, quarters: bool, default_year: int | None) -> list[_Item] | None:
    """Months or quarters of a list/range phrase, with their years; None when invalid."""
    items: list[_Item] = []
    open_items: list[_Item] = []  # items waiting for a year
    join = "list"
    for token in _PERIOD_TOKEN.findall(text):
        if token.isdigit() and len(token) == 4:
            year = int(token)
            if not _valid_year(year):
                return None
            for item in open_items:
                item.year = year
            if open_items:  # only the period the year is written after is "explicit"
                open_items[-1].explicit = True
            open_items = []
            join = "list"
        elif token.isdigit() or (quarters and token in _ROMAN) or (quarters and token == "v"):
            number = _ROMAN.get(token) if not token.isdigit() else int(token)
            if number is None:
                return None
            if quarters:
                if not 1 <= number <= 4:
                    return None
                item = _Item(3 * (number - 1), 3, None, False, join)
            else:
                if not 1 <= number <= 12:
                    return None
                item = _Item(number - 1, 1, None, False, join)
            items.append(item)
            open_items.append(item)
            join = "list"
        elif token in ("-", "den", "toi"):
            join = "range"
        elif token in (",", ";", "&", "va", "hoac"):
            join = "list"
    if not items:
        return None
    previous_year: int | None = None
    for item in items:
        if item.year is not None:
            previous_year = item.year
        elif previous_year is not None:
            item.year = previous_year
    for item in items:
        if item.year is None:
            item.year = default_year
        if not _valid_year(item.year):
            return None
    return items


def _period_specs(items: list[_Item]) -> list[tuple[int, int]] | None:
    """Runs of contiguous periods as (first month index, last month index)."""
    spans: list[tuple[int, int]] = []
    for index, item in enumerate(items):
        assert item.year is not None
        start = item.year * 12 + item.first
        end = start + item.months - 1
        if item.join == "range" and spans:
            previous_start, _ = spans[-1]
            if end < previous_start and index > 0 and not items[index - 1].explicit:
                previous_start -= 12  # "tháng 11 - tháng 2/2024": November of 2023
            if end < previous_start:
                return None
            spans[-1] = (previous_start, end)
        else:
            spans.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and merged[-1][0] <= start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _ranges_or_cue(spans: list[tuple[int, int]], cue: str) -> list[DeadlineSpec] | None:
    """Ranges over the spans; a cue bears on a single period written as one."""
    out: list[DeadlineSpec] = []
    for start, end in spans:
        rng = _month_range(start, end)
        if rng is None:
            return None
        out.append(rng)
    return _apply_cue(out, cue)


def _apply_cue(specs: list[DeadlineSpec], cue: str) -> list[DeadlineSpec] | None:
    """"từ" and "trước" before a single period: From its start, the day before it."""
    if len(specs) != 1 or not isinstance(specs[0], DateRange):
        return specs
    first = specs[0].start
    if _CUE_FROM.match(cue):
        return [From(first)]
    if _CUE_BEFORE.search(cue):
        before = first - timedelta(days=1)
        return [OnDate(before)] if before.year >= MIN_YEAR else None
    return specs


def _dates(text: str, cue: str, year: int | None) -> list[DeadlineSpec] | None:
    found: list[tuple[int, int, int | None, str]] = []  # day, month, year, join before
    position = 0
    for match in _DATE_ITEM.finditer(text):
        between = text[position:match.start()]
        join = "range" if found and _RANGE_JOIN.search(between) else "list"
        position = match.end()
        if match.group("d") is not None:
            day, month = int(match.group("d")), int(match.group("m"))
            written_year = match.group("y")
        else:
            day, month = int(match.group("wd")), int(match.group("wm"))
            written_year = match.group("wy") or match.group("wy2")
        found.append((day, month, int(written_year) if written_year else None, join))
    if not found:
        return None
    # A date without a year takes the next one's ("ngày 15/6 và 15/12/2023"), then the
    # previous one's, then the plan's.
    years: list[int | None] = [entry[2] for entry in found]
    following: int | None = None
    for index in range(len(years) - 1, -1, -1):
        if years[index] is None:
            years[index] = following
        else:
            following = years[index]
    preceding: int | None = None
    for index, value in enumerate(years):
        if value is None:
            years[index] = preceding if preceding is not None else year
        preceding = years[index]
    days: list[date] = []
    joins: list[str] = []
    for (day, month, _, join), value in zip(found, years, strict=True):
        if value is None:
            return None
        made = _make_date(value, month, day)
        if made is None:
            return None
        days.append(made)
        joins.append(join)
    specs: list[DeadlineSpec] = []
    for made, join in zip(days, joins, strict=True):
        if join == "range" and specs:
            last = specs[-1]
            start = last.start if isinstance(last, DateRange) else (
                last.date if isinstance(last, OnDate) else None)
            if start is None or made < start:
                return None
            specs[-1] = DateRange(start, made)
        else:
            specs.append(OnDate(made))
    if len(specs) == 1 and isinstance(specs[0], OnDate) and _CUE_FROM.match(cue):
        return [From(specs[0].date)]
    return specs


def _day_numbers(text: str) -> list[int] | None:
    """Days of month in "ngày 05 và 22", "ngày 15-20" (a range counts by its end)."""
    days: list[int] = []
    position = 0
    for match in _NUMBER.finditer(text):
        value = int(match.group())
        if not 1 <= value <= 31:
            return None
        if days and _RANGE_JOIN.search(text[position:match.start()]):
            days[-1] = value
        else:
            days.append(value)
        position = match.end()
    return days or None


def _sorted_unique(values: list[int]) -> tuple[int, ...]:
    return tuple(sorted(set(values)))


# One function per branch: (key text of the branch, cue, plan year) → specs or None.
_Builder = Callable[[str, str, "re.Match[str]", int | None], list[DeadlineSpec] | None]


def _build_wk(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    found = _WEEKDAY_RE.search(text)
    if found is None:
        return None
    weekday = 6 if found.group(1) is None else _WEEKDAYS[found.group(1)]
    return [Weekly(weekday)]


def _build_mdays(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    days = _day_numbers(text)
    return None if days is None else [Monthly(_sorted_unique(days))]


def _build_ydates(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    dates: list[tuple[int, int]] = []
    for found in _MONTH_DAY.finditer(text):
        day, month = int(found.group(1)), int(found.group(2))
        if _make_date(2024, month, day) is None:  # 2024: 29 February exists
            return None
        dates.append((month, day))
    return [Yearly(dates=tuple(sorted(set(dates))))] if dates else None


def _build_ymonths(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    items = _periods(text, quarters=False, default_year=2000)
    if items is None:
        return None
    months: list[int] = []
    for index, item in enumerate(items):
        if item.join == "range" and index > 0:
            months.extend(range(items[index - 1].first + 1, item.first + 2))
        else:
            months.append(item.first + 1)
    if any(not 1 <= m <= 12 for m in months):
        return None
    return [Yearly(months=_sorted_unique(months))]


def _build_yquart(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    items = _periods(text, quarters=True, default_year=2000)
    if items is None:
        return None
    return [Yearly(months=_sorted_unique([item.first + 3 for item in items]))]


def _build_half(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    written = _NUMBER.findall(text)
    value = int(written[-1]) if len(written) > 1 else year
    if value is None or not _valid_year(value):
        return None
    first = 6 if "cuoi" in text else 0
    rng = _month_range(value * 12 + first, value * 12 + first + 5)
    return None if rng is None else [rng]


def _build_rec(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    specs: list[DeadlineSpec] = []
    for token in _PER_TOKEN.findall(text):
        if token == "tuan":
            specs.append(Weekly())
        elif token == "thang":
            specs.append(Monthly(()))
        elif token == "quy":
            specs.append(Quarterly())
        elif token == "nam":
            specs.append(Yearly())
        else:
            specs.append(HalfYearly())
    return specs or None


def _build_halfb(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    if cue and _CUE_DURATION.search(cue):
        return None  # "trong 6 tháng": a duration, not every six months
    return [HalfYearly()]


def _build_sub(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    numbers = [int(n) for n in _NUMBER.findall(text)]
    month = numbers[0]
    value = numbers[1] if len(numbers) > 1 else year
    if value is None or not _valid_year(value) or not 1 <= month <= 12:
        return None
    last = last_day_of_month(value, month)
    first_day, last_day = ((1, 10) if text.startswith("dau")
                           else (11, 20) if text.startswith("giua") else (21, last))
    specs: list[DeadlineSpec] = [DateRange(date(value, month, first_day),
                                           date(value, month, last_day))]
    return _apply_cue(specs, cue)


def _single(items: list[_Item], cue: str) -> str:
    """The cue, when it bears on one period: "từ tháng 7 đến tháng 9" is a range."""
    return cue if len(items) == 1 else ""


def _build_months(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    items = _periods(text, quarters=False, default_year=year)
    spans = None if items is None else _period_specs(items)
    return None if spans is None or items is None else _ranges_or_cue(spans, _single(items, cue))


def _build_quarters(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    items = _periods(text, quarters=True, default_year=year)
    spans = None if items is None else _period_specs(items)
    return None if spans is None or items is None else _ranges_or_cue(spans, _single(items, cue))


def _build_years(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    numbers = [int(n) for n in _NUMBER.findall(text)]
    first, last = numbers[0], numbers[-1]
    rng = _month_range(first * 12, last * 12 + 11)
    return None if rng is None else _apply_cue([rng], cue if len(numbers) == 1 else "")


def _build_dates(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    return _dates(text, cue, year)


def _build_ongoing(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    return [Ongoing()]


def _build_cond(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    return [Conditional("")]  # the text as written is filled in by the caller


def _build_bmy(text: str, cue: str, match: re.Match[str], year: int | None) -> list[
        DeadlineSpec] | None:
    month_text, year_text = text.split("/")
    return _build_months(f"thang {month_text.strip()}/{year_text.strip()}", cue, match, year)


_BUILDERS: dict[str, _Builder] = {
    "wk": _build_wk, "mdays": _build_mdays, "mdays2": _build_mdays,
    "ydates": _build_ydates, "ymonths": _build_ymonths, "yquart": _build_yquart,
    "half": _build_half, "rec": _build_rec, "halfb": _build_halfb, "sub": _build_sub,
    "months": _build_months, "quarters": _build_quarters, "years": _build_years,
    "dates": _build_dates, "ongoing": _build_ongoing, "cond": _build_cond,
    "bmy": _build_bmy,
}


# --- Scanning -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    start: int  # on the key, the cue included
    end: int
    branch: str
    branch_start: int  # where the phrase after the cue starts
    cue: str
    specs: tuple[DeadlineSpec, ...]


def _scan(key: str, text: str, positions: list[int] | None,
          year: int | None) -> Iterator[_Found]:
    for match in _phrases(key):
        branch = match.lastgroup
        if branch == "once":  # a group inside "halfb"
            branch = "halfb"
        if branch is None:
            continue
        # lastgroup names the innermost group that closed last: find the branch itself.
        if branch not in _BUILDERS:
            branch = next(name for name in _BRANCH_NAMES if match.group(name) is not None)
        cue = " ".join((match.group("cue") or "").split())
        end = match.end()
        while end > match.start() and key[end - 1].isspace():
            end -= 1
        specs = _BUILDERS[branch](match.group(branch), cue, match, year)
        if not specs:
            continue
        if branch == "cond":
            written = " ".join(_span(text, positions, match.start(branch), end).split())
            specs = [Conditional(written)]
        yield _Found(match.start(), end, branch, match.start(branch), cue, tuple(specs))


def _unique(specs: list[DeadlineSpec]) -> tuple[DeadlineSpec, ...]:
    out: list[DeadlineSpec] = []
    for spec in specs:
        if spec not in out:
            out.append(spec)
    return tuple(out)


def parse_deadline(phrase: str, year: int | None) -> tuple[DeadlineSpec, ...]:
    """Every deadline the text names, read liberally (the text *is* a deadline: a
    table's "Thời gian hoàn thành" cell). Empty when nothing is recognised. A phrase
    without a year takes ``year``; with no year known such a phrase gives nothing."""
    if not _valid_year(year):
        year = None
    key, positions = _key(phrase)
    specs: list[DeadlineSpec] = []
    for found in _scan(key, phrase, positions, year):
        if found.branch == "halfb" and found.cue and _CUE_UNTIL.match(found.cue):
            continue
        specs.extend(found.specs)
    if not specs:
        bare = _BARE_YEARS.match(key)
        if bare:
            first = int(bare.group(1))
            last = int(bare.group(2) or first)
            rng = _month_range(first * 12, last * 12 + 11)
            if rng is not None:
                specs.append(rng)
    return _unique(specs)


def _accepted_in_prose(found: _Found, key: str) -> bool:
    branch, cue = found.branch, found.cue
    before = key[max(0, found.start - 40):found.start]  # enough for the guards' words
    if branch in ("wk", "mdays", "mdays2", "ydates", "ymonths", "yquart", "sub"):
        return True
    if branch == "rec":
        return not _PLAN_BEFORE.search(before)
    if branch == "ongoing":
        text = key[found.start:found.end]
        return not text.startswith("lien") and not _SPENDING_BEFORE.search(before)
    if branch == "cond":
        text = " ".join(key[found.branch_start:found.end].split())
        return text.startswith(("sau", "theo ke hoach rieng"))
    if branch == "halfb":
        return False  # bare "6 tháng" in prose names a period ("báo cáo 6 tháng")
    if branch == "half":
        return False
    if branch in ("bmy", "months", "quarters") and _CLOSES_CLAUSE.match(key, found.end) \
            and _REPORT_BEFORE.search(before) and not cue:
        return True
    if branch == "bmy":
        return False
    if cue and _CUE_FROM.match(cue) and _SINCE_NOW_AFTER.match(key, found.end):
        return False  # "từ tháng 1/2023 đến nay": a period of data
    if branch == "years":
        return bool(cue) and bool(_CUE_YEAR.search(cue))
    if branch == "dates":
        return bool(cue) and bool(_CUE_STRONG.search(cue) or _CUE_WITHIN.search(cue))
    if branch in ("months", "quarters"):
        if cue and (_CUE_STRONG.search(cue) or _CUE_WITHIN.search(cue)):
            return True
        stripped = before.rstrip()
        if stripped.endswith("("):
            return True
        # Opening the sentence before a colon: "Tháng 7/2023: …" (a list marker aside).
        opening = not key[:found.start].strip(" -+*•.)0123456789")
        return opening and key[found.end:].lstrip().startswith(":")
    return False


def _all_dates(run: list[_Found]) -> bool:
    """Dated with a cue of its own ("trước ngày …", "trong tháng …"): one of several
    deadlines a clause may give ("đợt 1 trong tháng 5 và đợt 2 trong tháng 10")."""
    return all(isinstance(spec, OnDate) or (isinstance(spec, DateRange) and found.cue)
               for found in run for spec in found.specs)


def _weak(specs: tuple[DeadlineSpec, ...]) -> bool:
    return all(isinstance(spec, Ongoing | Conditional) for spec in specs)


def find_deadline(text: str, year: int | None) -> DeadlineMatch | None:
    """The deadline phrase of a prose sentence, read conservatively (only deadline cues
    count: see the module's notes), as written in ``text``, with its specs; None when
    the sentence states no deadline."""
    if not _valid_year(year):
        year = None
    key, positions = _key(text)
    runs: list[list[_Found]] = []
    for found in _scan(key, text, positions, year):
        if not _accepted_in_prose(found, key):
            continue
        if runs and _SEPARATOR_ONLY.match(key[runs[-1][-1].end:found.start]):
            runs[-1].append(found)
        else:
            runs.append([found])
    if not runs:
        return None
    chosen = runs[0]
    for run in runs:
        if not _weak(tuple(spec for found in run for spec in found.specs)):
            chosen = run
            break
    for run in runs[runs.index(chosen) + 1:]:
        if _all_dates(chosen) and _all_dates(run) and _SAME_CLAUSE.match(
                key[chosen[-1].end:run[0].start]):
            chosen = [*chosen, *run]
        else:
            break
    specs = _unique([spec for found in chosen for spec in found.specs])
    return DeadlineMatch(_span(text, positions, chosen[0].start, chosen[-1].end), specs)

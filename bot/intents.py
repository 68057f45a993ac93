"""What a free-text message asks for. Pure.

Officers write "tháng này đơn vị tôi phải làm gì", "thang 8 phai nop gi", "việc quá
hạn" — short, often without diacritics. Matching is on folded text against small
phrase lists: predictable, testable, and easy to extend when a new way of asking
shows up in the logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.month_query import InvalidMonth, MonthAnswer, find_month
from bot.text import fold


@dataclass(frozen=True)
class AskDue:
    month: MonthAnswer  # None: the current month


@dataclass(frozen=True)
class AskOverdue:
    pass


@dataclass(frozen=True)
class AskHelp:
    pass


Intent = AskDue | AskOverdue | AskHelp

_OVERDUE = re.compile(r"\b(qua han|tre han|tre hen|chua xong|no dong|overdue|late)\b")
_DUE = re.compile(
    r"\b(phai lam|lam gi|nop gi|phai nop|can lam|can nop|nhiem vu|viec gi|cong viec|"
    r"co viec|co gi|den han|han nop|han chot|thoi han|lich bao cao|bao cao gi|"
    r"phai bao cao|sap den|sap toi han|due|deadline|what s due|todo|to do|agenda)\b"
)
_HELP = re.compile(r"^(help|tro giup|huong dan|giup|giup toi|menu|lenh|commands?|\?)$")
_GREETING = re.compile(r"^(xin chao|chao|hello|hi|alo|chao ban|chao bot)$")


def detect_intent(text: str, today: date) -> Intent | None:
    folded = fold(text)
    if not folded:
        return None
    if _HELP.match(folded) or _GREETING.match(folded):
        return AskHelp()
    if _OVERDUE.search(folded):
        return AskOverdue()
    month = find_month(text, today)
    if _DUE.search(folded):
        return AskDue(month)
    # A message that is nothing but a month ("tháng 8", "T9/2023") asks about it.
    if month is not None and len(folded.split()) <= 4:
        return AskDue(month)
    if isinstance(month, InvalidMonth):
        return AskDue(month)
    return None

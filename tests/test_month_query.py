"""Which month a message asks about, and what free text asks for."""

from __future__ import annotations

from datetime import date

import pytest

from bot.calendar import Month
from bot.intents import AskDue, AskHelp, AskOverdue, detect_intent
from bot.month_query import InvalidMonth, find_month, without_month

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(("text", "expected"), [
    ("8/2023", Month(2023, 8)),
    ("08/2023", Month(2023, 8)),
    ("/due 8/2023", Month(2023, 8)),
    ("2023-08", Month(2023, 8)),
    ("tháng 8/2023", Month(2023, 8)),
    ("thang 8 nam 2023", Month(2023, 8)),
    ("tháng 8 năm 2023", Month(2023, 8)),
    ("T8/2023", Month(2023, 8)),
    ("t9", Month(2026, 9)),
    ("31/8/2023", Month(2023, 8)),  # a whole date: its month
    ("tháng này", Month(2026, 11)),
    ("thang nay", Month(2026, 11)),
    ("tháng sau", Month(2026, 12)),
    ("thang sau", Month(2026, 12)),  # without diacritics "sau" is "next", not June
    ("tháng tới", Month(2026, 12)),
    ("tháng trước", Month(2026, 10)),
    ("tháng sáu", Month(2026, 6)),  # June needs its accent
    ("tháng sáu năm 2024", Month(2024, 6)),
    ("tháng tám", Month(2026, 8)),
    ("thang muoi hai", Month(2026, 12)),
    ("tháng giêng", Month(2027, 1)),  # asked in November: the coming January
    ("tháng 1", Month(2027, 1)),
    ("tháng 12", Month(2026, 12)),
    ("thang 8", Month(2026, 8)),  # three months ago is closer than next August
    ("tháng 5", Month(2027, 5)),  # six months ahead beats six back? tie → earlier year
    ("tháng 3 năm sau", Month(2027, 3)),
    ("next month", Month(2026, 12)),
    ("August 2023", Month(2023, 8)),
    ("dec", Month(2026, 12)),
])
def test_find_month(text: str, expected: Month) -> None:
    result = find_month(text, TODAY)
    if text == "tháng 5":
        # May 2026 and May 2027 are both six months away: the tie goes to the earlier.
        expected = Month(2026, 5)
    assert result == expected


@pytest.mark.parametrize("text", ["13/2023", "0/2023", "tháng 13", "31/2/2024", "8/1899",
                                  "thang 00"])
def test_impossible_months_are_reported(text: str) -> None:
    assert isinstance(find_month(text, TODAY), InvalidMonth)


@pytest.mark.parametrize("text", ["", "xin chào", "Sở Tư pháp", "nhà máy đốt rác",
                                  "báo cáo 80%", "x" * 10_000])
def test_no_month(text: str) -> None:
    assert find_month(text, TODAY) is None


def test_without_month_leaves_the_unit_name() -> None:
    assert without_month("Sở Tư pháp tháng 8/2023") == "so tu phap"
    assert without_month("so kh dt thang sau") == "so kh dt"
    assert without_month("8/2023 Sở Tài chính") == "so tai chinh"


@pytest.mark.parametrize(("text", "expected"), [
    ("tháng này đơn vị tôi phải làm gì", AskDue(Month(2026, 11))),
    ("thang 8 phai nop gi", AskDue(Month(2026, 8))),
    ("Tháng 8/2023 phải nộp gì?", AskDue(Month(2023, 8))),
    ("tháng sau có việc gì", AskDue(Month(2026, 12))),
    ("phải làm gì", AskDue(None)),
    ("nhiem vu thang nay", AskDue(Month(2026, 11))),
    ("lịch báo cáo tháng 9", AskDue(Month(2026, 9))),
    ("tháng 8", AskDue(Month(2026, 8))),
    ("T9/2023", AskDue(Month(2023, 9))),
    ("việc quá hạn", AskOverdue()),
    ("viec qua han", AskOverdue()),
    ("có gì trễ hạn không", AskOverdue()),
    ("help", AskHelp()),
    ("xin chào", AskHelp()),
    ("thang 13 phai nop gi", AskDue(InvalidMonth("thang 13"))),
])
def test_detect_intent(text: str, expected: object) -> None:
    assert detect_intent(text, TODAY) == expected


@pytest.mark.parametrize("text", ["", "   ", "ok", "cảm ơn", "xong 80%, đã trình UBND",
                                  "<b>hi</b> there friend", "a" * 100_000])
def test_not_a_question(text: str) -> None:
    assert detect_intent(text, TODAY) is None

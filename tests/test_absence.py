"""Reading absences typed in chat."""

from __future__ import annotations

from datetime import date

import pytest

from bot.absence import InvalidAbsence, parse_absence

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("3/12-10/12", date(2026, 12, 3), date(2026, 12, 10)),
    ("3/12 - 10/12/2026", date(2026, 12, 3), date(2026, 12, 10)),
    ("03.12.2026-10.12.2026", date(2026, 12, 3), date(2026, 12, 10)),
    ("2026-12-03..2026-12-10", date(2026, 12, 3), date(2026, 12, 10)),
    ("2026-12-03", date(2026, 12, 3), date(2026, 12, 3)),
    ("5/12", date(2026, 12, 5), date(2026, 12, 5)),
    ("28/12-3/1", date(2026, 12, 28), date(2027, 1, 3)),  # across the new year
    ("3/1-5/1", date(2027, 1, 3), date(2027, 1, 5)),  # already past this year: next
    ("1/11-30/11", date(2026, 11, 1), date(2026, 11, 30)),  # still running: this year
    ("3/12 đến 10/12", date(2026, 12, 3), date(2026, 12, 10)),
])
def test_parse_absence(text: str, start: date, end: date) -> None:
    assert parse_absence(text, TODAY) == (start, end)


@pytest.mark.parametrize("text", ["", "mai", "31/2-3/3", "2026-12-10..2026-12-03",
                                  "1/1/2026-1/1/2028", "32/12", "3/13-4/13"])
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidAbsence):
        parse_absence(text, TODAY)

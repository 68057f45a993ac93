"""What a numbered answer picks: "2", "[2]", or the option's words."""

from __future__ import annotations

from bot.channels.numbered import chosen_option
from bot.messages import Option

MONTHS = [Option("‹ tháng trước", "due:so-tp:2023-07"), Option("tháng sau ›", "due:so-tp:2023-09")]


def test_numbers_and_words_pick() -> None:
    assert chosen_option(MONTHS, "2") == MONTHS[1]
    assert chosen_option(MONTHS, " [1] ") == MONTHS[0]
    assert chosen_option(MONTHS, "THANG SAU") == MONTHS[1]
    for answer in ("3", "0", "", "tháng", "2 và 3", "12"):
        assert chosen_option(MONTHS, answer) is None

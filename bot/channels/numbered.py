"""Choices as a numbered list, for channels without buttons (the terminal, Zalo): how
they are shown and which option an answer picks. ``bot.choice_book`` remembers the
offers; an expired answer says so instead of silently doing something else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.messages import Option
from bot.text import fold


@dataclass(frozen=True)
class _Offer:
    options: tuple[Option, ...]
    expires_at: datetime


class Expired:
    """The user answered an offer that has expired."""


EXPIRED = Expired()


def numbered(options: Sequence[Option]) -> list[str]:
    """How a list of options is shown: "[1] ‹ tháng trước", "[2] tháng sau ›" …"""
    return [f"[{index}] {option.label}" for index, option in enumerate(options, 1)]


def chosen_option(options: Sequence[Option], text: str) -> Option | None:
    """The option ``text`` picks: its number ("2", "[2]"), or its words, diacritics,
    case and punctuation aside; None when it picks none."""
    answer = fold(text)
    if answer.isdigit():
        number = int(answer)
        return options[number - 1] if 1 <= number <= len(options) else None
    return next((o for o in options if answer and fold(o.label) == answer), None)

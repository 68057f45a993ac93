"""Choices as a numbered list, for channels without buttons (the terminal, Zalo).

The options last offered in a chat are remembered; the user answers with the number
or with the option's words. Offers expire, and an expired answer says so instead of
silently doing something else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

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


class NumberedChoices:
    def __init__(self, ttl: timedelta = timedelta(minutes=30)) -> None:
        self._ttl = ttl
        self._offers: dict[str, _Offer] = {}

    def offer(self, chat_id: str, rows: Sequence[Sequence[Option]], now: datetime) -> list[str]:
        """Remember the options and return the lines that present them."""
        options = tuple(option for row in rows for option in row)
        if not options:
            return []
        self._offers[chat_id] = _Offer(options, now + self._ttl)
        return numbered(options)

    def pick(self, chat_id: str, text: str, now: datetime) -> str | Expired | None:
        """The chosen option's data, ``EXPIRED``, or None when ``text`` is no answer."""
        offer = self._offers.get(chat_id)
        if offer is None:
            return None
        chosen = chosen_option(offer.options, text)
        if chosen is None:
            return None
        if now > offer.expires_at:
            del self._offers[chat_id]
            return EXPIRED
        return chosen.data

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
        return [f"[{index}] {option.label}" for index, option in enumerate(options, 1)]

    def pick(self, chat_id: str, text: str, now: datetime) -> str | Expired | None:
        """The chosen option's data, ``EXPIRED``, or None when ``text`` is no answer."""
        offer = self._offers.get(chat_id)
        if offer is None:
            return None
        answer = fold(text)
        chosen = None
        if answer.isdigit() and 1 <= int(answer) <= len(offer.options):
            chosen = offer.options[int(answer) - 1]
        else:
            chosen = next((o for o in offer.options if answer and fold(o.label) == answer), None)
        if chosen is None:
            return None
        if now > offer.expires_at:
            del self._offers[chat_id]
            return EXPIRED
        return chosen.data

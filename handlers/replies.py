"""Small reply builders shared by the handlers."""

from __future__ import annotations

from bot.messages import Reply
from bot.rich import plain


def say(text: str) -> list[Reply]:
    """One plain-text reply in the current chat."""
    return [Reply(plain(text))]

"""What the conversation layer may ask of the channel a message came from."""

from __future__ import annotations

from typing import Protocol


class ChannelPort(Protocol):
    name: str

    def invite_link(self, code: str) -> str | None:
        """A link that joins with ``code`` (Telegram deep link), or None where the
        channel has none and the officer sends the code itself."""
        ...

    async def is_chat_admin(self, chat_id: str, user_id: str) -> bool:
        """Whether the user administers the group chat (asked of the platform)."""
        ...


class PlainPort:
    """A channel with no deep links and no groups: the terminal."""

    def __init__(self, name: str) -> None:
        self.name = name

    def invite_link(self, code: str) -> str | None:
        return None

    async def is_chat_admin(self, chat_id: str, user_id: str) -> bool:
        return False

"""What the conversation layer may ask of the channel a message came from."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Protocol

from bot.messages import Media


class DownloadError(Exception):
    """A file a person sent could not be fetched: too large, gone, or the channel
    cannot fetch files at all."""


class ChannelPort(Protocol):
    name: str

    def invite_link(self, code: str) -> str | None:
        """A link that joins with ``code`` (Telegram deep link), or None where the
        channel has none and the officer sends the code itself."""
        ...

    async def is_chat_admin(self, chat_id: str, user_id: str) -> bool:
        """Whether the user administers the group chat (asked of the platform)."""
        ...

    async def download(self, media: Media, *, limit: int) -> bytes:
        """The bytes of a file a person sent (a plan to import); ``DownloadError``
        when it cannot be had or is larger than ``limit`` bytes."""
        ...


class PlainPort:
    """A channel with no deep links and no groups: the terminal, whose "files" are
    paths on this machine (``/file PATH`` in the local chat)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def invite_link(self, code: str) -> str | None:
        return None

    async def is_chat_admin(self, chat_id: str, user_id: str) -> bool:
        return False

    async def download(self, media: Media, *, limit: int) -> bytes:
        if media.channel != "local" or self.name != "local":
            raise DownloadError(f"{self.name} cannot fetch files")
        return await asyncio.to_thread(_read_local, Path(media.file_id), limit)


def _read_local(path: Path, limit: int) -> bytes:
    path = path.expanduser()
    try:
        if path.stat().st_size > limit:
            raise DownloadError("the file is too large")
        return path.read_bytes()
    except OSError as error:
        raise DownloadError(error.strerror or str(error)) from None

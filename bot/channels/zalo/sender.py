"""Neutral ``Reply`` → Zalo messages, with the platform's failure modes handled.

- Plain text only (Zalo has no formatting): ``bot.rich.to_plain``.
- At most 2,000 characters a message: longer text is split on line boundaries.
- Choices become a numbered list under the text, numbered on across one answer's
  messages, and remembered for the chat (``ChoiceBook``).
- A photo is sent by URL; a file the bot made goes by link (``FileShelf``) — Zalo
  takes no documents — or, without a public URL, with a note saying where to get it.
- 429 "quota exceeded": wait as told (or back off) and retry; 5xx, timeouts and
  network errors: retry with backoff; 403: the chat is unreachable, stop.
The wait is injected, so tests run the retry paths without sleeping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from bot.channels.zalo.client import (
    ZaloBadRequest,
    ZaloClient,
    ZaloError,
    ZaloForbidden,
    ZaloQuotaExceeded,
    ZaloUnauthorized,
)
from bot.choice_book import ChoiceBook
from bot.file_shelf import FileShelf
from bot.i18n import translator
from bot.messages import Media, Reply
from bot.outbox import Failed, Failure, Gone, Outcome, Retry, Sent
from bot.rich import split_lines, to_plain

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_TEXT = 2000
MAX_ATTEMPTS = 5
MAX_BACKOFF = 30.0
QUOTA_PAUSE = 30.0  # seconds to hold all sending after a 429 that says not how long
Sleep = Callable[[float], Awaitable[None]]
OnUnreachable = Callable[[str], Awaitable[None]]


def texts_of(reply: Reply, choices: list[str], extra: list[str]) -> list[str]:
    """The messages a reply becomes: its text, any file links, then the choices, one
    a line, split at 2,000 characters on line boundaries."""
    text = "\n".join(part for part in (to_plain(reply.body), *extra) if part)
    if choices:
        text = f"{text}\n\n" + "\n".join(choices) if text else "\n".join(choices)
    return [chunk for chunk in split_lines(text, MAX_TEXT) if chunk.strip()]


def _own_media(reply: Reply) -> Media | None:
    """A photo Zalo holds can go again by its URL; another platform's media cannot."""
    return reply.media if reply.media is not None and reply.media.channel == "zalo" \
        else None


def _count(reply: Reply) -> int:
    return sum(len(row) for row in reply.options)


class ZaloSender:
    def __init__(self, client: ZaloClient, choices: ChoiceBook, files: FileShelf, *,
                 clock: Callable[[], datetime], sleep: Sleep = asyncio.sleep,
                 on_unreachable: OnUnreachable, language: str,
                 max_attempts: int = MAX_ATTEMPTS) -> None:
        self.client = client
        self.choices = choices
        self.files = files
        self.clock = clock
        self.sleep = sleep
        self.on_unreachable = on_unreachable
        self.language = language
        self.max_attempts = max_attempts

    async def send(self, chat_id: str, reply: Reply) -> None:
        await self.send_all(chat_id, [reply])

    async def send_all(self, chat_id: str, replies: list[Reply]) -> None:
        """One answer: its choices numbered on across its messages."""
        options = [o for reply in replies for row in reply.options for o in row]
        lines = await self.choices.offer(chat_id, options, self.clock())
        for reply in replies:
            count = _count(reply)
            if not await self._send(chat_id, reply, lines[:count]):
                return  # unreachable: the rest would fail the same way
            lines = lines[count:]

    async def _send(self, chat_id: str, reply: Reply, choices: list[str]) -> bool:
        picture, file_lines = await self._attachment(reply)
        texts = texts_of(reply, choices, file_lines)
        media = _own_media(reply)
        if media is not None:
            caption = texts.pop(0) if texts else None
            if not await self._photo(chat_id, media.file_id, caption):
                return False
        if picture is not None and not await self._photo(chat_id, picture, None):
            return False
        for text in texts:
            if not await self._text(chat_id, text):
                return False
        return True

    async def _photo(self, chat_id: str, url: str, caption: str | None) -> bool:
        return await self.call(chat_id, lambda: self.client.send_photo(
            chat_id, url, caption)) is not None

    async def _text(self, chat_id: str, text: str) -> bool:
        return await self.call(chat_id, lambda: self.client.send_message(
            chat_id, text)) is not None

    async def _attachment(self, reply: Reply) -> tuple[str | None, list[str]]:
        """A file the bot made: (a picture's URL to send as a photo, lines to add).
        A document goes as a link; without a public URL, a note says where it is."""
        attachment = reply.attachment
        if attachment is None:
            return None, []
        url = await self.files.put(attachment, self.clock())
        if url is None:
            t = translator(self.language)
            return None, [t.gettext("📎 {name}: Zalo cannot carry this file; get it on "
                                    "Telegram, in the local chat or with the nhacviec "
                                    "command.").format(name=attachment.filename)]
        if attachment.is_image:
            return url, []
        return None, [f"📎 {attachment.filename}: {url}"]

    async def call(self, chat_id: str, request: Callable[[], Awaitable[T]]) -> T | None:
        """Run ``request`` through the retry policy; None if it could not be done."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                return await request()
            except ZaloQuotaExceeded as error:
                await self.sleep(error.retry_after or min(MAX_BACKOFF, 2.0 ** attempt))
            except ZaloForbidden:
                log.info("zalo chat %s is unreachable (blocked, or the bot is not allowed)",
                         chat_id)
                await self.on_unreachable(chat_id)
                return None
            except (ZaloBadRequest, ZaloUnauthorized) as error:
                log.warning("zalo refused a message to chat %s: %s", chat_id, error)
                return None
            except ZaloError as error:  # 5xx, timeouts, the network
                if attempt == self.max_attempts:
                    log.warning("giving up on zalo chat %s after %d attempts: %s", chat_id,
                                attempt, error)
                    return None
                await self.sleep(min(MAX_BACKOFF, 0.5 * 2 ** (attempt - 1)))
        log.warning("giving up on zalo chat %s: still over the quota", chat_id)
        return None

    async def deliver_once(self, chat_id: str, reply: Reply) -> Outcome:
        """One attempt for the outbox, which keeps its own retry schedule (so retries
        survive a restart): the platform's answer, classified."""
        lines = await self.choices.offer(chat_id, [o for row in reply.options for o in row],
                                         self.clock())
        texts = texts_of(reply, lines, [])
        media = _own_media(reply)
        try:
            if media is not None:
                await self.client.send_photo(chat_id, media.file_id,
                                             texts.pop(0) if texts else None)
            for text in texts:
                await self.client.send_message(chat_id, text)
        except ZaloQuotaExceeded as error:
            return Retry(str(error), after=error.retry_after or QUOTA_PAUSE, pause_all=True)
        except ZaloForbidden as error:
            return Gone(str(error), Failure.BLOCKED)
        except ZaloBadRequest as error:
            return Failed(str(error))
        except ZaloUnauthorized as error:
            # The token itself is refused: nothing will go until an admin fixes it.
            log.error("zalo: the bot token is refused (%s)", error)
            return Retry(str(error), after=QUOTA_PAUSE, pause_all=True)
        except ZaloError as error:
            return Retry(str(error))
        return Sent()

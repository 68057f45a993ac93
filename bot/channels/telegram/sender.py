"""Neutral ``Reply`` → Telegram messages, with the platform's failure modes handled.

- HTML parse mode; every value was escaped by ``bot.rich.to_html``.
- Text over 4096 characters is split on line boundaries; more than three messages'
  worth goes as a file instead, so a chat is never flooded.
- ``RetryAfter``: wait as told, then retry. Timeouts and 5xx: retry with backoff.
- ``Forbidden`` (blocked, kicked): stop, and tell the app the chat is unreachable.
- ``ChatMigrated`` (group → supergroup): tell the app, resend to the new id.
The wait is injected, so tests run the retry paths without sleeping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot

from bot.channels.telegram.ratelimit import SendPriority
from bot.messages import Media, Reply
from bot.outbox import Failed, Failure, Gone, Outcome, Retry, Sent
from bot.rich import split_lines, to_html, to_plain

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
OnUnreachable = Callable[[str], Awaitable[None]]
OnMigrated = Callable[[str, str], Awaitable[None]]

MAX_MESSAGES = 3  # beyond this many chunks, one file instead
MAX_ATTEMPTS = 5
MAX_BACKOFF = 30.0


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.options:
        return None
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(option.label, callback_data=option.data) for option in row]
        for row in reply.options
    ])


def _seconds(value: int | float | timedelta) -> float:
    # PTB 22 gives retry_after as a number, or as a timedelta with PTB_TIMEDELTA set.
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def _no_op(*_: str) -> None:
    return None


def forbidden_reason(error: Forbidden) -> Failure:
    """What Telegram's 403 means, from its wording ("bot was blocked by the user",
    "bot was kicked from the group chat", "bot is not a member of …", "user is
    deactivated")."""
    text = error.message.lower()
    if "blocked" in text:
        return Failure.BLOCKED
    if "kicked" in text or "not a member" in text or "chat not found" in text:
        return Failure.REMOVED
    if "deactivated" in text:
        return Failure.DEACTIVATED
    return Failure.UNREACHABLE


def own_media(reply: Reply) -> Media | None:
    """The reply's photo or document, when Telegram holds it (a file id from another
    platform means nothing here: the renderer has worded a note instead)."""
    media = reply.media
    return media if media is not None and media.channel == "telegram" else None


def background(bot: Bot) -> dict[str, Any]:
    """The keyword that puts an outbox message behind answers to people in the bot's
    rate limiter (``ratelimit.PriorityRateLimiter``); nothing for a bot without one."""
    if isinstance(bot, ExtBot) and bot.rate_limiter is not None:
        return {"rate_limit_args": SendPriority.BACKGROUND}
    return {}


async def send_media(bot: Bot, chat: str, media: Media, caption: str | None,
                     markup: InlineKeyboardMarkup | None,
                     extra: dict[str, Any] | None = None) -> Message:
    extra = extra or {}
    if media.kind == "photo":
        return await bot.send_photo(chat, media.file_id, caption=caption,
                                    parse_mode=ParseMode.HTML, reply_markup=markup, **extra)
    return await bot.send_document(chat, media.file_id, caption=caption,
                                   parse_mode=ParseMode.HTML, reply_markup=markup, **extra)


def media_caption(html: str) -> str | None:
    """The whole text as the caption when it fits (1024 characters), else None: the
    text then follows the file as messages of its own."""
    return html if len(html) <= MessageLimit.CAPTION_LENGTH else None


class TelegramSender:
    def __init__(self, bot: Bot, *, sleep: Sleep = asyncio.sleep,
                 on_unreachable: OnUnreachable = _no_op, on_migrated: OnMigrated = _no_op,
                 max_attempts: int = MAX_ATTEMPTS) -> None:
        self.bot = bot
        self.sleep = sleep
        self.on_unreachable = on_unreachable
        self.on_migrated = on_migrated
        self.max_attempts = max_attempts

    async def call(self, chat_id: str, request: Callable[[str], Awaitable[T]]) -> T | None:
        """Run ``request(chat_id)`` through the retry policy; None if undeliverable."""
        chat = chat_id
        for attempt in range(1, self.max_attempts + 1):
            try:
                return await request(chat)
            except RetryAfter as error:
                await self.sleep(_seconds(error.retry_after))
            except ChatMigrated as error:
                new_chat = str(error.new_chat_id)
                await self.on_migrated(chat, new_chat)
                chat = new_chat
            except Forbidden:
                log.info("telegram chat %s is unreachable (blocked or removed)", chat)
                await self.on_unreachable(chat)
                return None
            except BadRequest:
                raise  # our mistake, not the network's: retrying cannot help
            except NetworkError as error:  # timeouts and 5xx
                if attempt == self.max_attempts:
                    log.warning("giving up on telegram chat %s after %d attempts: %s",
                                chat, attempt, error)
                    return None
                await self.sleep(min(MAX_BACKOFF, 0.5 * 2 ** (attempt - 1)))
        log.warning("giving up on telegram chat %s: still told to wait", chat)
        return None

    async def send(self, chat_id: str, reply: Reply) -> Message | None:
        """Send ``reply``; the last message sent (the one carrying the buttons)."""
        html = to_html(reply.body)
        chunks = split_lines(html, MessageLimit.MAX_TEXT_LENGTH)
        markup = keyboard(reply)
        if (media := own_media(reply)) is not None:
            caption = media_caption(html)

            async def file(chat: str) -> Message:
                return await send_media(self.bot, chat, media, caption,
                                        markup if caption is not None else None)

            sent = await self.call(chat_id, file)
            if sent is None or caption is not None:
                return sent
        if len(chunks) > MAX_MESSAGES:
            return await self._send_as_file(chat_id, reply, chunks[0], markup)
        last = None
        for index, chunk in enumerate(chunks):
            is_last = index == len(chunks) - 1

            async def request(chat: str, text: str = chunk, last_one: bool = is_last) \
                    -> Message:
                return await self.bot.send_message(
                    chat, text, parse_mode=ParseMode.HTML,
                    reply_markup=markup if last_one else None)

            last = await self.call(chat_id, request)
            if last is None:
                return None
        if reply.attachment is not None:
            await self._send_attachment(chat_id, reply)
        return last

    async def _send_as_file(self, chat_id: str, reply: Reply, first: str,
                            markup: InlineKeyboardMarkup | None) -> Message | None:
        """A very long answer: its first screen as a message, the whole as a file."""
        async def head(chat: str) -> Message:
            return await self.bot.send_message(chat, first, parse_mode=ParseMode.HTML)

        if await self.call(chat_id, head) is None:
            return None
        document = to_plain(reply.body).encode("utf-8")
        caption = to_plain(reply.body).split("\n", 1)[0][:200]

        async def attach(chat: str) -> Message:
            return await self.bot.send_document(
                chat, InputFile(document, filename="nhacviec.txt"), caption=caption,
                reply_markup=markup)

        return await self.call(chat_id, attach)

    async def _send_attachment(self, chat_id: str, reply: Reply) -> None:
        attachment = reply.attachment
        assert attachment is not None

        async def request(chat: str) -> Message:
            upload = InputFile(attachment.content, filename=attachment.filename)
            if attachment.is_image:
                return await self.bot.send_photo(chat, upload)
            return await self.bot.send_document(chat, upload)

        await self.call(chat_id, request)

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> None:
        """Replace a message's text and buttons; send anew where editing cannot work."""
        html = to_html(reply.body)
        if len(html) > MessageLimit.MAX_TEXT_LENGTH or reply.attachment is not None:
            await self.send(chat_id, reply)
            return

        async def request(chat: str) -> Message | bool:
            return await self.bot.edit_message_text(
                html, chat_id=chat, message_id=int(message_id), parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply))

        try:
            await self.call(chat_id, request)
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return  # the same month pressed twice: nothing to change
            log.info("cannot edit message %s in %s (%s): sending anew", message_id, chat_id,
                     error)
            await self.send(chat_id, reply)


async def deliver_once(bot: Bot, chat_id: str, reply: Reply,
                       on_migrated: OnMigrated = _no_op) -> Outcome:
    """One attempt for the outbox, which keeps its own retry schedule in the database
    (so retries survive a restart): the platform's answer, classified."""
    html = to_html(reply.body)
    chunks = split_lines(html, MessageLimit.MAX_TEXT_LENGTH)
    markup = keyboard(reply)
    media = own_media(reply)
    caption = media_caption(html) if media is not None else None
    if caption is not None:
        chunks = []  # the text travels as the caption
    chat = chat_id
    extra = background(bot)
    for attempt in range(2):  # a second time only after a migration
        try:
            if media is not None:
                await send_media(bot, chat, media, caption,
                                 markup if caption is not None else None, extra)
            for index, chunk in enumerate(chunks):
                await bot.send_message(chat, chunk, parse_mode=ParseMode.HTML,
                                       reply_markup=markup if index == len(chunks) - 1
                                       else None, **extra)
            return Sent()
        except RetryAfter as error:
            return Retry(str(error), after=_seconds(error.retry_after), pause_all=True)
        except ChatMigrated as error:
            if attempt:
                return Retry(str(error))
            await on_migrated(chat, str(error.new_chat_id))
            chat = str(error.new_chat_id)
        except Forbidden as error:
            return Gone(str(error), forbidden_reason(error))
        except BadRequest as error:
            return Failed(str(error))
        except NetworkError as error:  # timeouts and 5xx
            return Retry(str(error))
    return Retry("migrated twice")

"""The Telegram channel: a python-telegram-bot ``Application`` whose one handler turns
every update into an ``Incoming`` for the router and sends the replies back.

Polling or webhook: with a webhook the application has no updater; our aiohttp server
checks the secret, decodes the update and queues it for the application, answering
200 at once (Telegram retries anything slower or non-2xx).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from typing import Any

from aiohttp import web
from aiolimiter import AsyncLimiter
from telegram import Bot, ChatMember, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.app import App
from bot.channels.telegram.menus import set_menus
from bot.channels.telegram.ratelimit import PriorityRateLimiter
from bot.channels.telegram.request import AiohttpRequest
from bot.channels.telegram.sender import Sleep, TelegramSender, deliver_once
from bot.channels.telegram.translate import CHANNEL, sender_id, to_incoming, well_typed
from bot.i18n import translator
from bot.lanes import Lanes
from bot.messages import Address, Incoming, Media, Reply, reply_from_payload
from bot.outbox import Outcome, Sent
from bot.ports import DownloadError
from bot.rich import to_plain
from bot.throttle import Verdict

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
SHUTDOWN_GRACE = 10.0  # seconds to finish accepted updates before closing
NOTICE_LENGTH = 200  # Telegram's limit on a callback query's answer text

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def webhook_address(base_url: str) -> str:
    """The URL to register: the public base URL plus our path (said once, not twice)."""
    return base_url if base_url.endswith(WEBHOOK_PATH) else base_url + WEBHOOK_PATH


def file_url(api_url: str) -> str:
    """Where files are fetched: ``…/bot`` → ``…/file/bot`` (Telegram's own layout,
    which a local Bot API server and the tests' fake follow)."""
    base, bot = api_url.rstrip("/").rsplit("/", 1)
    return f"{base}/file/{bot}"


def build_bot(token: str, api_url: str) -> Bot:
    """A bare Bot for the shell commands (webhook set/delete/info, invite links)."""
    return Bot(token, base_url=api_url)


class TelegramChannel:
    name = CHANNEL

    def __init__(self, app: App, *, sleep: Sleep = asyncio.sleep,
                 webhook: bool = False) -> None:
        settings = app.settings
        assert settings.telegram_token is not None
        self.app = app
        self.delivery = app.delivery
        self.webhook = webhook
        builder = (ApplicationBuilder().token(settings.telegram_token)
                   .base_url(settings.telegram_api_url)
                   .base_file_url(file_url(settings.telegram_api_url))
                   # aiohttp, not PTB's default HTTPX: bench.inbound (request.py).
                   .request(AiohttpRequest())
                   .get_updates_request(AiohttpRequest(read_timeout=None))
                   # Telegram's flood limits, answers to people before the outbox.
                   .rate_limiter(PriorityRateLimiter(
                       overall=AsyncLimiter(settings.telegram_overall_rate, 1)))
                   # PTB hands updates over one by one, in order; the lanes below
                   # run chats side by side and each chat's messages in order.
                   .concurrent_updates(False))
        if webhook:
            builder = builder.updater(None)
        self.application: AnyApplication = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.sender = TelegramSender(self.application.bot, sleep=sleep,
                                     on_unreachable=self._unreachable,
                                     on_migrated=self._migrated)
        self.username: str | None = None
        self.last_contact: str | None = None
        self.lanes = Lanes()
        # Webhook updates accepted but not yet handled; graceful shutdown (and tests)
        # wait for this to reach zero.
        self._in_flight = 0
        self._settled = asyncio.Event()
        self._settled.set()
        self.delivery.register(CHANNEL, self.sender_for_delivery, self.sender_for_edit)
        app.router.add_port(self)

    # --- what the conversation layer may ask (ChannelPort) --------------------------

    def invite_link(self, code: str) -> str | None:
        return f"https://t.me/{self.username}?start={code}" if self.username else None

    async def is_chat_admin(self, chat_id: str, user_id: str) -> bool:
        try:
            member = await self.application.bot.get_chat_member(int(chat_id), int(user_id))
        except (TelegramError, ValueError):
            return False
        return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)

    async def download(self, media: Media, *, limit: int) -> bytes:
        """getFile, then the file itself (Telegram lets a bot fetch up to 20 MB)."""
        if media.channel != CHANNEL:
            raise DownloadError("not a Telegram file")
        try:
            file = await self.application.bot.get_file(media.file_id)
            if file.file_size is not None and file.file_size > limit:
                raise DownloadError("the file is too large")
            data = bytes(await file.download_as_bytearray())
        except TelegramError as error:
            raise DownloadError(str(error)) from None
        if len(data) > limit:
            raise DownloadError("the file is too large")
        return data

    # --- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        # With our own server PTB's post_init never runs: start-up steps are ours.
        await self.application.initialize()
        self.username = self.application.bot.username
        self.last_contact = self.app.clock().isoformat()  # getMe answered
        await set_menus(self.application.bot, await self.app.usecases.onboarding.admins())
        await self.application.start()
        settings = self.app.settings
        if self.webhook:
            assert settings.webhook_url and settings.webhook_secret
            await self.application.bot.set_webhook(
                webhook_address(settings.webhook_url), secret_token=settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES)
            log.info("telegram: webhook registered for @%s", self.username)
        else:
            assert self.application.updater is not None
            await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            log.info("telegram: polling as @%s", self.username)

    async def stop(self) -> None:
        """Stop taking updates, let the accepted ones finish, close the connections."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SHUTDOWN_GRACE):
                await self.settled()
                await self.lanes.idle()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    # --- receiving ----------------------------------------------------------------------

    async def handle_webhook(self, request: web.Request) -> web.Response:
        secret = self.app.settings.webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403, text="forbidden")
        body = await request.read()  # over the size cap: 413, raised by aiohttp
        try:
            data = json.loads(body)
            typed = isinstance(data, dict) and well_typed(data)
            sender = sender_id(data) if typed else None
            if sender is not None and self.app.router.dropping(CHANNEL, sender,
                                                               self.app.clock()):
                return web.Response(text="ok")  # a flood: not even decoded (Router.admit)
            update = Update.de_json(data, self.application.bot) if typed else None
        except Exception:  # PTB raises anything at all on a wrongly typed field
            update = None
        if update is None:
            return web.Response(status=400, text="bad update")
        # Queued, not awaited: Telegram gets its 200 at once and the work follows.
        self._in_flight += 1
        self._settled.clear()
        await self.application.update_queue.put(update)
        return web.Response(text="ok")

    async def settled(self) -> None:
        """Return once every accepted webhook update has been handled."""
        await self._settled.wait()

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Hand the update to its chat's lane and return at once."""
        chat, user = update.effective_chat, update.effective_user
        lane = chat.id if chat else user.id if user else None
        # The flood check as it arrives (Router.admit): a dropped update is not queued.
        try:
            incoming = to_incoming(update, self.app.clock(), self.username)
        except Exception:
            incoming = None  # _handle meets the failure again, and answers it
        verdict = self.app.router.admit(incoming) if incoming is not None else None
        if verdict is Verdict.DROP:
            self._finished_one()
            return

        async def job() -> None:
            try:
                await self._handle(update, incoming, verdict)
            finally:
                self._finished_one()

        if not self.lanes.submit(lane, job):
            self._finished_one()  # dropped: a flooding chat's backlog is full

    def _finished_one(self) -> None:
        if self.webhook:
            self._in_flight = max(0, self._in_flight - 1)
            if self._in_flight == 0:
                self._settled.set()

    async def _handle(self, update: Update, incoming: Incoming | None,
                      verdict: Verdict | None) -> None:
        self.last_contact = self.app.clock().isoformat()
        query = update.callback_query
        replies: list[Reply] = []
        try:
            if incoming is None:  # nothing to act on, or to_incoming failed: again here
                incoming = to_incoming(update, self.app.clock(), self.username)
            if incoming is not None:
                replies = await self.app.router.handle(incoming, verdict=verdict)
        finally:
            if query is not None:
                # Always answered, so the spinner stops; a notice is its pop-up.
                notice = next((r for r in replies if r.notice and r.to is None), None)
                replies = [r for r in replies if r is not notice]
                try:
                    await query.answer(to_plain(notice.body)[:NOTICE_LENGTH]
                                       if notice else None)
                except TelegramError as error:
                    log.info("could not answer a callback query: %s", error)
        if incoming is not None:
            await self.dispatch(incoming, replies)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The token never reaches a log line: PTB's errors name methods, not URLs.
        log.error("telegram update failed: %r", context.error, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            user = update.effective_user
            t = translator(user.language_code if user else self.app.settings.default_language)
            with contextlib.suppress(TelegramError):
                await self.application.bot.send_message(
                    update.effective_chat.id,
                    t.gettext("Sorry, something went wrong. Please try again."))

    # --- sending ------------------------------------------------------------------------

    async def dispatch(self, incoming: Incoming, replies: list[Reply]) -> None:
        here = Address(CHANNEL, incoming.chat_id)
        for reply in replies:
            if reply.to is not None and reply.to != here:
                await self.delivery.send(reply.to, reply)
            elif reply.edit and incoming.choice is not None and incoming.message_id:
                await self.sender.edit(incoming.chat_id, incoming.message_id, reply)
            else:
                await self.sender.send(incoming.chat_id, reply)

    async def sender_for_delivery(self, chat_id: str, reply: Reply) -> str | None:
        message = await self.sender.send(chat_id, reply)
        return str(message.message_id) if message is not None else None

    async def sender_for_edit(self, chat_id: str, message_id: str, reply: Reply) -> None:
        await self.sender.edit(chat_id, message_id, reply)

    # --- the outbox (reminders, broadcasts): one attempt, outcome classified -----------

    async def deliver(self, chat_id: str, payload: dict[str, Any]) -> Outcome:
        outcome = await deliver_once(self.application.bot, chat_id,
                                     reply_from_payload(payload), on_migrated=self._migrated)
        if isinstance(outcome, Sent):
            self.last_contact = self.app.clock().isoformat()  # the platform answered
        return outcome

    async def unreachable(self, chat_id: str) -> None:
        await self._unreachable(chat_id)

    async def _unreachable(self, chat_id: str) -> None:
        await self.app.usecases.groups.unreachable(CHANNEL, chat_id, self.app.clock())

    async def _migrated(self, old_chat_id: str, new_chat_id: str) -> None:
        await self.app.usecases.groups.migrated(CHANNEL, old_chat_id, new_chat_id,
                                                self.app.clock())

"""The Zalo channel: events from the Zalo Bot Platform (webhook or long polling) →
``Incoming`` for the router, and replies back as plain text.

- Webhook: ``/zalo/webhook`` on the bot's HTTP server; the secret in
  ``X-Bot-Api-Secret-Token`` is compared in constant time (missing → 403); both body
  shapes are accepted; 200 goes back at once and the work follows in the chat's lane.
- Long polling when no webhook URL is set: the webhook is deleted first (getUpdates
  does not work while one is set), an idle 408 is not an error, errors back off.
- An event delivered twice (same event name and message id) is handled once; the
  bot's own messages echoed back are dropped.
- No buttons: choices are a numbered list kept in the database (``ChoiceBook``), and
  an answer "2" or the option's words picks one. No edits: an edited reply is sent
  anew. No documents: a file goes by link (``FileShelf``) where there is a public URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from aiohttp import web

from bot.app import App
from bot.channels.numbered import Expired
from bot.channels.zalo.client import ZaloClient, ZaloError
from bot.channels.zalo.sender import ZaloSender
from bot.channels.zalo.translate import CHANNEL, event_key, to_incoming, unwrap
from bot.choice_book import ChoiceBook
from bot.file_shelf import FileShelf
from bot.i18n import translator
from bot.lanes import Lanes
from bot.messages import Address, Incoming, Media, Reply, reply_from_payload
from bot.outbox import Outcome, Sent, Sleep
from bot.ports import DownloadError
from bot.rich import plain
from bot.throttle import Verdict

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/zalo/webhook"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
POLL_TIMEOUT = 30  # seconds the platform holds an idle getUpdates
MAX_BACKOFF = 60.0
SEEN_EVENTS = 10_000  # remembered for deduplication; the platform redelivers soon or never
SHUTDOWN_GRACE = 10.0


def webhook_address(base_url: str) -> str:
    return base_url if base_url.endswith(WEBHOOK_PATH) else base_url + WEBHOOK_PATH


class ZaloChannel:
    name = CHANNEL

    def __init__(self, app: App, client: ZaloClient, *, webhook: bool,
                 files: FileShelf, sleep: Sleep = asyncio.sleep) -> None:
        self.app = app
        self.client = client
        self.webhook = webhook
        self.sleep = sleep
        self.choices = ChoiceBook(app.sessions, CHANNEL)
        self.sender = ZaloSender(client, self.choices, files, clock=app.clock, sleep=sleep,
                                 on_unreachable=self.unreachable,
                                 language=app.settings.default_language)
        self.bot_id: str | None = None
        self.bot_name: str | None = None
        self.last_contact: str | None = None
        self.lanes = Lanes()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._poller: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        app.delivery.register(CHANNEL, self._deliver_elsewhere)
        app.router.add_port(self)

    # --- what the conversation layer may ask (ChannelPort) --------------------------

    def invite_link(self, code: str) -> str | None:
        return None  # no deep links on Zalo: the officer sends the code itself

    async def is_chat_admin(self, chat_id: str, user_id: str) -> bool:
        # The platform cannot tell who administers a Zalo group, so a bot admin's
        # word is enough to /bind one (groups are off unless NHACVIEC_ZALO_GROUPS).
        return True

    async def download(self, media: Media, *, limit: int) -> bytes:
        raise DownloadError("Zalo bots receive no documents")

    # --- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        me = await self.client.get_me()
        self.bot_id = str(me.get("id")) if me.get("id") is not None else None
        name = me.get("account_name") or me.get("display_name") or me.get("name")
        self.bot_name = str(name) if name else None
        self.last_contact = self.app.clock().isoformat()  # getMe answered
        settings = self.app.settings
        if self.webhook:
            assert settings.webhook_url and settings.zalo_secret
            await self.client.set_webhook(webhook_address(settings.webhook_url),
                                          settings.zalo_secret)
            log.info("zalo: webhook registered for bot %s", self.bot_id)
        else:
            await self.client.delete_webhook()
            self._stopping.clear()
            self._poller = asyncio.create_task(self._poll())
            log.info("zalo: long polling as bot %s", self.bot_id)

    async def stop(self) -> None:
        """Stop taking events, let the accepted ones finish, close the connections."""
        self._stopping.set()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SHUTDOWN_GRACE):
                await self.lanes.idle()
        await self.client.close()

    # --- receiving --------------------------------------------------------------------

    async def handle_webhook(self, request: web.Request) -> web.Response:
        secret = self.app.settings.zalo_secret or ""
        given = request.headers.get(SECRET_HEADER)
        if not given or not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403, text="forbidden")
        try:
            event = unwrap(json.loads(await request.read()))
        except (ValueError, UnicodeDecodeError):
            event = None
        if event is None:
            return web.Response(status=400, text="bad event")
        self.accept(event)
        return web.Response(text="ok")  # at once: the work follows in the chat's lane

    def accept(self, event: dict[str, Any]) -> bool:
        """Queue an event in its chat's lane; False for a repeat or a full lane."""
        key = event_key(event)
        if key is not None:
            if key in self._seen:
                return False
            self._seen[key] = None
            if len(self._seen) > SEEN_EVENTS:
                self._seen.popitem(last=False)
        now = self.app.clock()
        incoming = to_incoming(event, now, bot_id=self.bot_id, bot_name=self.bot_name,
                               groups=self.app.settings.zalo_groups)
        self.last_contact = now.isoformat()
        if incoming is None:
            return False
        # The flood check as it arrives: a dropped message is not even queued.
        verdict = self.app.router.admit(incoming)
        if verdict is Verdict.DROP:
            return False

        async def job() -> None:
            await self._handle(incoming, verdict)

        return self.lanes.submit(incoming.chat_id, job)

    async def _poll(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                updates = await self.client.get_updates(POLL_TIMEOUT)
            except ZaloError as error:
                failures += 1
                delay = min(MAX_BACKOFF, 2.0 ** min(failures, 6))
                log.warning("zalo: getUpdates failed (%s); again in %.0f s", error, delay)
                await self.sleep(delay)
                continue
            failures = 0
            for update in updates:
                if (event := unwrap(update)) is not None:
                    self.accept(event)

    async def settled(self) -> None:
        """Return once every accepted event has been handled (tests, shutdown)."""
        await self.lanes.idle()

    async def _handle(self, incoming: Incoming, verdict: Verdict) -> None:
        now = self.app.clock()
        if verdict is Verdict.ALLOW and not incoming.text.lstrip().startswith("/"):
            picked = await self.choices.pick(incoming.chat_id, incoming.text, now)
            if isinstance(picked, Expired):
                member = await self.app.services.member(CHANNEL, incoming.user_id)
                t = translator(member.language if member and member.language
                               else self.app.settings.default_language)
                await self.sender.send(incoming.chat_id, Reply(plain(t.gettext(
                    "Those choices have expired. Please ask again."))))
                return
            if picked is not None:
                incoming = _chosen(incoming, picked)
        replies = await self.app.router.handle(incoming, verdict=verdict)
        await self.dispatch(incoming, replies)

    # --- sending ------------------------------------------------------------------------

    async def dispatch(self, incoming: Incoming, replies: list[Reply]) -> None:
        here = Address(CHANNEL, incoming.chat_id)
        ours = []
        for reply in replies:
            if reply.to is not None and reply.to != here:
                await self.app.delivery.send(reply.to, reply)
            else:
                ours.append(reply)
        await self.sender.send_all(incoming.chat_id, ours)

    async def _deliver_elsewhere(self, chat_id: str, reply: Reply) -> str | None:
        await self.sender.send_all(chat_id, [reply])
        return ""

    # --- the outbox (reminders, broadcasts): one attempt, outcome classified -----------

    async def deliver(self, chat_id: str, payload: dict[str, Any]) -> Outcome:
        outcome = await self.sender.deliver_once(chat_id, reply_from_payload(payload))
        if isinstance(outcome, Sent):
            self.last_contact = self.app.clock().isoformat()  # the platform answered
        return outcome

    async def unreachable(self, chat_id: str) -> None:
        await self.app.usecases.groups.unreachable(CHANNEL, chat_id, self.app.clock())


def _chosen(incoming: Incoming, data: str) -> Incoming:
    """The message as the press of the option it picked."""
    return replace(incoming, text="", choice=data)

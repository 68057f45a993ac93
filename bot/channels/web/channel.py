"""The local web chat: a phone-sized page at ``/`` and a WebSocket at ``/ws`` on the
bot's own HTTP server, for trying the bot in a browser with no messenger token.

The visitor picks a persona — an officer or the lead of any unit, an administrator,
or a group bound to a unit — and talks to the router with ``Incoming`` messages as
Telegram and Zalo do. The channel is ``"web"``: its members are
``("web", "officer-so-tp")``, ``("web", "admin")`` …, so they can never be taken for a
Telegram or Zalo account. Buttons are buttons (a press sends the option's data back,
checked against what this chat was offered), an edit replaces its message in place,
files are downloaded from ``/web/files/…``, and the outbox (reminders, broadcasts)
reaches the persona's open pages at once — or when the persona is next picked.

Frames, JSON both ways. The page sends ``{"type": "persona", "role", "unit"}``,
``{"type": "text", "text"}``, ``{"type": "choice", "message", "data"}`` and
``{"type": "clock"[, "at"]}``; the server answers ``hello``, ``persona``,
``message``, ``edit``, ``clock`` and ``error`` frames, and ``done`` once a frame
has been answered in full. Message bodies travel as markup
escaped here (``render.to_web_html``); the page writes every other string as text.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import logging
import secrets
from collections import OrderedDict, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.resources import files as package_files
from typing import Any
from urllib.parse import quote

from aiohttp import WSMsgType, web

from bot.app import App
from bot.channels.web.clock import DemoClock
from bot.channels.web.render import safe_json_for_script, to_web_html
from bot.i18n import N_, Translator, format_day, normalize_language, translator
from bot.members import MemberRole
from bot.messages import Address, Attachment, ChatKind, Incoming, Reply, reply_from_payload
from bot.outbox import Outcome, Sent
from bot.scheduler import ReminderScheduler
from bot.throttle import Throttle
from bot.usecases.reminders import LAST_TICK
from storage import reminder_settings as settings_store

log = logging.getLogger(__name__)

CHANNEL = "web"
FILE_ROUTE = "/web/files/{token}/{filename}"
MAX_FRAME = 16 * 1024  # a typed message is a few hundred bytes; more is not a person
MAX_TEXT = 4000
PENDING = 50  # messages kept for a persona whose page is closed
MESSAGES_KEPT = 200  # per chat: the messages whose buttons may still be pressed
FILES_KEPT = 50
JUST_AFTER = timedelta(seconds=1)  # a jump to 08:00 lands here past it (the engine's
# window ends before its end: a reminder at 08:00 is due from 08:00:00 on)

# The page's own words (the bot's answers are translated where they are made).
LABELS = {
    "title": N_("Nhắc việc — local web chat"),
    "who": N_("Who are you?"),
    "officer": N_("An officer of a unit"),
    "lead": N_("A unit lead"),
    "admin": N_("An administrator"),
    "group": N_("A group bound to a unit"),
    "search": N_("Search for your unit (e.g. Sở Tư pháp, so tu phap, DPI)"),
    "message": N_("Type a message…"),
    "send": N_("Send"),
    "persona": N_("Change persona"),
    "clock": N_("Demo clock"),
    "jump": N_("Jump"),
    "download": N_("Download"),
    "lost": N_("Connection lost. Reload the page."),
    "pushed": N_("Reminder or notice"),
}
ROLES = {"officer": MemberRole.OFFICER, "lead": MemberRole.LEAD,
         "admin": MemberRole.ADMIN, "group": MemberRole.OFFICER}
# Moments worth jumping to with the seed plan: three working days before the 22/08
# report, its day, its 16:00 escalation.
PRESETS = ("2023-08-17T08:00", "2023-08-22T08:00", "2023-08-22T16:00")


@dataclass(frozen=True)
class WebPersona:
    role: MemberRole
    unit_id: str | None = None
    group: bool = False  # speaking in the group bound to the unit

    @property
    def user_id(self) -> str:
        return "admin" if self.role is MemberRole.ADMIN else f"{self.role}-{self.unit_id}"

    @property
    def chat_id(self) -> str:
        return f"group-{self.unit_id}" if self.group else self.user_id


@dataclass(eq=False)
class _Page:
    """One open page: its socket, its language, who it speaks as."""

    ws: web.WebSocketResponse
    language: str
    persona: WebPersona | None = None
    busy: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def t(self) -> Translator:
        return translator(self.language)


class FrameError(Exception):
    """A frame the server will not act on: said to the page, nothing else happens."""


class WebChat:
    name = CHANNEL

    def __init__(self, app: App, *, announce: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.announce = announce
        self.scheduler: ReminderScheduler | None = None  # for the demo clock's jumps
        self._pages: dict[str, set[_Page]] = defaultdict(set)  # chat id → open pages
        self._pending: dict[str, deque[dict[str, Any]]] = defaultdict(
            lambda: deque(maxlen=PENDING))
        # chat id → message id → the option data its buttons may send back
        self._messages: dict[str, OrderedDict[str, frozenset[str]]] = defaultdict(OrderedDict)
        self._files: OrderedDict[str, Attachment] = OrderedDict()
        self._ids = itertools.count(1)
        self._jumping = asyncio.Lock()
        app.delivery.register(CHANNEL, self._deliver_elsewhere, self._edit_elsewhere)

    @property
    def demo_clock(self) -> DemoClock | None:
        return self.app.clock if isinstance(self.app.clock, DemoClock) else None

    def add_routes(self, application: web.Application) -> None:
        application.router.add_get("/", self.page)
        application.router.add_get("/ws", self.socket)
        application.router.add_get(FILE_ROUTE, self.file)

    def ready(self, url: str) -> None:
        """The server listens at ``url``: say where the page is."""
        if self.announce is not None:
            self.announce(url.rstrip("/") + "/")

    # --- the page -----------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.Response:
        language = normalize_language(request.query.get("lang")
                                      or self.app.settings.default_language)
        t = translator(language)
        labels = {k: t.gettext(v) for k, v in LABELS.items()}
        config = {"lang": language, "labels": labels,
                  "demo": self.demo_clock is not None, "presets": list(PRESETS)}
        template = package_files("bot.channels.web").joinpath("static/index.html").read_text(
            encoding="utf-8")
        nonce = secrets.token_urlsafe(16)
        body = (template.replace("__LANG__", language).replace("__NONCE__", nonce)
                .replace("__TITLE__", html.escape(labels["title"], quote=True))
                .replace('"__CONFIG__"', safe_json_for_script(config)))
        return web.Response(text=body, content_type="text/html", headers={
            "Content-Security-Policy": f"default-src 'self'; script-src 'nonce-{nonce}'; "
                                       f"style-src 'nonce-{nonce}'; img-src 'self'; "
                                       "connect-src 'self'",
            "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})

    async def file(self, request: web.Request) -> web.Response:
        found = self._files.get(request.match_info["token"])
        if found is None or found.filename != request.match_info["filename"]:
            return web.Response(status=404, text="not found")
        disposition = "inline" if found.is_image else "attachment"
        return web.Response(body=found.content, content_type=found.mime_type, headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(found.filename)}",
            "X-Content-Type-Options": "nosniff"})

    # --- the socket ---------------------------------------------------------------------

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=MAX_FRAME, heartbeat=30)
        await ws.prepare(request)
        page = _Page(ws, normalize_language(request.query.get("lang")
                                            or self.app.settings.default_language))
        await ws.send_json({"type": "hello", "units": self._units(),
                            "demo": self.demo_clock is not None, **self._clock_frame(page)})
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    async with page.busy:
                        await self._on_frame(page, message.data)
                elif message.type is WSMsgType.BINARY:
                    await self._error(page, page.t.gettext("That message is not one I "
                                                           "understand."))
                else:
                    break  # an error (a frame over the limit): aiohttp has closed it
                await _send(page, {"type": "done"})  # this frame's answers are out
        finally:
            self._leave(page)
        return ws

    def _units(self) -> list[dict[str, str]]:
        units = sorted(self.app.services.directory.concrete_units(), key=lambda u: u.name)
        return [{"id": u.id, "name": u.name} for u in units]

    async def _on_frame(self, page: _Page, data: str) -> None:
        t = page.t
        try:
            frame = json.loads(data)
        except ValueError:
            frame = None
        try:
            if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
                raise FrameError(t.gettext("That message is not one I understand."))
            kind = frame["type"]
            if kind == "persona":
                await self._pick(page, frame)
            elif kind == "clock":
                await self._clock(page, frame.get("at"))
            elif page.persona is None:
                raise FrameError(t.gettext("Choose who you are first."))
            elif kind == "text":
                await self._text(page, page.persona, frame.get("text"))
            elif kind == "choice":
                await self._choice(page, page.persona, frame.get("message"),
                                   frame.get("data"))
            else:
                raise FrameError(t.gettext("That message is not one I understand."))
        except FrameError as error:
            await self._error(page, str(error))

    async def _error(self, page: _Page, text: str) -> None:
        await _send(page, {"type": "error", "text": text})

    # --- personas -----------------------------------------------------------------------

    async def _pick(self, page: _Page, frame: dict[str, Any]) -> None:
        t = page.t
        role, unit_id = frame.get("role"), frame.get("unit")
        if role not in ROLES:
            raise FrameError(t.gettext("That message is not one I understand."))
        directory = self.app.services.directory
        if role == "admin":
            persona = WebPersona(MemberRole.ADMIN)
        else:
            if not isinstance(unit_id, str) or unit_id not in directory \
                    or directory.get(unit_id).is_collective:
                raise FrameError(t.gettext("No unit matches that name. Try again:"))
            persona = WebPersona(ROLES[role], directory.successor(unit_id),
                                 group=role == "group")
        await self.enroll(persona, page.language)
        self._leave(page)
        page.persona = persona
        self._pages[persona.chat_id].add(page)
        name = directory.get(persona.unit_id).name if persona.unit_id else ""
        if persona.group:
            text = t.gettext("You write in the group bound to {unit}, as one of its "
                             "officers.").format(unit=name)
        elif persona.role is MemberRole.LEAD:
            text = t.gettext("You are the lead of {unit}.").format(unit=name)
        elif persona.unit_id:
            text = t.gettext("You are an officer of {unit}.").format(unit=name)
        else:
            text = t.gettext("You are an administrator.")
        await _send(page, {"type": "persona", "chat": persona.chat_id, "text": text,
                           "group": persona.group})
        pending = self._pending.pop(persona.chat_id, None)
        for waiting in pending or ():
            await _send(page, waiting)

    async def enroll(self, persona: WebPersona, language: str) -> None:
        """The persona exists: a member of this channel (and its group, bound)."""
        services, now = self.app.services, self.app.clock()
        await services.enroll(CHANNEL, persona.user_id, unit_id=persona.unit_id,
                              role=persona.role, at=now, display_name=persona.user_id,
                              language=language, chat_id=persona.user_id)
        if persona.group and persona.unit_id:
            name = services.directory.get(persona.unit_id).name
            title = translator(language).gettext("Group of {unit}").format(unit=name)
            await self.app.usecases.groups.bind(CHANNEL, persona.chat_id, title=title,
                                                unit_id=persona.unit_id,
                                                bound_by=f"{CHANNEL}:admin", now=now)

    def _leave(self, page: _Page) -> None:
        if page.persona is not None:
            self._pages[page.persona.chat_id].discard(page)

    # --- talking ------------------------------------------------------------------------

    async def _text(self, page: _Page, persona: WebPersona, text: object) -> None:
        if not isinstance(text, str) or not text.strip():
            raise FrameError(page.t.gettext("That message is not one I understand."))
        if len(text) > MAX_TEXT:
            raise FrameError(page.t.gettext("That message is too long for me. Please keep "
                                            "it short."))
        await self.say(persona, text, language=page.language)

    async def _choice(self, page: _Page, persona: WebPersona, message_id: object,
                      data: object) -> None:
        offered = self._messages[persona.chat_id].get(message_id) \
            if isinstance(message_id, str) else None
        if offered is None or not isinstance(data, str) or data not in offered:
            raise FrameError(page.t.gettext("That button is not on any message here. "
                                            "Please ask again."))
        assert isinstance(message_id, str)
        await self.say(persona, "", choice=data, message_id=message_id,
                       language=page.language)

    async def say(self, persona: WebPersona, text: str, *, choice: str | None = None,
                  message_id: str | None = None, language: str | None = None) -> None:
        """A message from ``persona`` (or the press of one of its buttons): handled,
        and the answers shown in its chat (or sent where they are addressed)."""
        await self.say_as(persona.user_id, persona.chat_id, text, group=persona.group,
                          choice=choice, message_id=message_id, language=language)

    async def say_as(self, user_id: str, chat_id: str, text: str, *, group: bool = False,
                     choice: str | None = None, message_id: str | None = None,
                     language: str | None = None) -> None:
        """As ``say``, for any user of this channel (a newcomer with no persona yet:
        the cross-channel tests join by invite)."""
        incoming = Incoming(
            channel=CHANNEL, chat_id=chat_id, user_id=user_id,
            received_at=self.app.clock(), text=text,
            chat_kind=ChatKind.GROUP if group else ChatKind.PRIVATE,
            display_name=user_id, language_code=language, choice=choice,
            message_id=message_id, chat_title=chat_id if group else None)
        here = Address(CHANNEL, chat_id)
        for reply in await self.app.router.handle(incoming):
            if reply.to is not None and reply.to != here:
                await self.app.delivery.send(reply.to, reply)
            elif reply.edit and choice is not None and message_id is not None \
                    and message_id in self._messages[chat_id]:
                await self._edit(chat_id, message_id, reply)
            else:
                await self._send(chat_id, reply)

    # --- showing ------------------------------------------------------------------------

    async def _send(self, chat_id: str, reply: Reply, *, pushed: bool = False) -> str:
        message_id = f"m{next(self._ids)}"
        await self._publish(chat_id, self._message(chat_id, message_id, reply, "message",
                                                   pushed=pushed))
        return message_id

    async def _edit(self, chat_id: str, message_id: str, reply: Reply) -> None:
        await self._publish(chat_id, self._message(chat_id, message_id, reply, "edit"))

    def _message(self, chat_id: str, message_id: str, reply: Reply, kind: str, *,
                 pushed: bool = False) -> dict[str, Any]:
        kept = self._messages[chat_id]
        kept[message_id] = frozenset(o.data for row in reply.options for o in row)
        kept.move_to_end(message_id)
        while len(kept) > MESSAGES_KEPT:
            kept.popitem(last=False)
        frame: dict[str, Any] = {
            "type": kind, "id": message_id, "html": to_web_html(reply.body),
            "options": [[{"label": o.label, "data": o.data} for o in row]
                        for row in reply.options],
            "pushed": pushed, "notice": reply.notice}
        if reply.attachment is not None:
            frame["attachment"] = self._keep_file(reply.attachment)
        if reply.media is not None:  # a Telegram file to send again: its name only
            frame["media"] = reply.media.filename or reply.media.kind
        return frame

    def _keep_file(self, attachment: Attachment) -> dict[str, Any]:
        token = secrets.token_urlsafe(16)
        self._files[token] = attachment
        while len(self._files) > FILES_KEPT:
            self._files.popitem(last=False)
        return {"url": FILE_ROUTE.format(token=token, filename=quote(attachment.filename)),
                "filename": attachment.filename, "image": attachment.is_image}

    async def _publish(self, chat_id: str, frame: dict[str, Any]) -> None:
        pages = list(self._pages.get(chat_id, ()))
        if not pages:
            self._pending[chat_id].append(frame)  # shown when the persona is picked
            return
        for page in pages:
            await _send(page, frame)

    # --- other chats of this channel, and the outbox -------------------------------------

    async def _deliver_elsewhere(self, chat_id: str, reply: Reply) -> str | None:
        return await self._send(chat_id, reply, pushed=True)

    async def _edit_elsewhere(self, chat_id: str, message_id: str, reply: Reply) -> None:
        if message_id in self._messages[chat_id]:
            await self._edit(chat_id, message_id, reply)
        else:
            await self._send(chat_id, reply, pushed=True)

    async def deliver(self, chat_id: str, payload: dict[str, Any]) -> Outcome:
        await self._send(chat_id, reply_from_payload(payload), pushed=True)
        return Sent()

    async def unreachable(self, chat_id: str) -> None:
        return None

    # --- the demo clock -----------------------------------------------------------------

    def _clock_frame(self, page: _Page) -> dict[str, Any]:
        tz = self.app.settings.timezone
        now = self.app.clock().astimezone(tz)
        return {"clock": now.strftime("%Y-%m-%dT%H:%M"),
                "clock_text": f"{format_day(now.date(), page.language)} {now:%H:%M}"}

    async def _clock(self, page: _Page, at: object) -> None:
        """Without ``at``: what the clock reads. With it: the jump, then the reminder
        tick for the new time and the outbox drained, so what fell due arrives now."""
        if at is None:
            await _send(page, {"type": "clock", **self._clock_frame(page)})
            return
        clock = self.demo_clock
        if clock is None:
            raise FrameError(page.t.gettext("This bot runs on the real clock: it cannot "
                                            "be changed."))
        tz = self.app.settings.timezone
        try:
            if not isinstance(at, str):
                raise ValueError(at)
            moment = datetime.fromisoformat(at.strip().replace(" ", "T"))
        except ValueError:
            raise FrameError(page.t.gettext("Write the date and time as YYYY-MM-DD "
                                            "HH:MM.")) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
        async with self._jumping:
            await self.jump(clock, moment)
        for pages in list(self._pages.values()):
            for other in list(pages):
                await _send(other, {"type": "clock", **self._clock_frame(other)})

    async def jump(self, clock: DemoClock, moment: datetime) -> int:
        """Move the clock; run the reminder tick; deliver. The messages delivered."""
        before = clock()
        if moment < before:
            # Back in time: the engine would wait for its last tick to come round
            # again; it starts afresh, as after a first start at ``moment``.
            catch_up = timedelta(hours=self.app.settings.reminder_catchup_hours)
            async with self.app.sessions.begin() as session:
                await settings_store.set_state(session, LAST_TICK,
                                               (moment - catch_up).isoformat(), at=moment)
            old = self.app.router.throttle  # its windows would never empty
            self.app.router.throttle = Throttle(old.limit, old.per)
        # A second past the moment asked: what is due at 08:00 sharp is due "now".
        moment += JUST_AFTER
        clock.jump(moment)
        if self.scheduler is None:
            await self.app.usecases.reminders.tick(moment)
            return 0
        await self.scheduler.tick()
        return await self.scheduler.worker.drain()


async def _send(page: _Page, frame: dict[str, Any]) -> None:
    if page.ws.closed:
        return
    try:
        await page.ws.send_json(frame)
    except (ConnectionError, RuntimeError):
        log.info("web chat: a page went away while being written to")

"""The local channel: a chat in the terminal that needs no messenger token.

You pick who you are — an officer of a unit, or an admin — and talk to the bot
through the same router as Telegram and Zalo. Buttons become a numbered list:
answer with the number. Input and output are injected, so tests drive it with
lists of lines instead of a keyboard.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from bot.app import App
from bot.channels.numbered import EXPIRED
from bot.choice_book import ChoiceBook
from bot.i18n import Translator, translator
from bot.members import MemberRole
from bot.messages import ChatKind, Incoming, Media, Reply, reply_from_payload
from bot.outbox import Outcome, Sent
from bot.rich import to_plain

CHANNEL = "local"
LineReader = Callable[[str], Awaitable[str | None]]  # None: input is closed
LineWriter = Callable[[str], None]
QUIT_WORDS = ("/quit", "/exit", "/thoat")
FILES_DIR = Path("nhacviec-files")  # where files the bot sends (exports, charts) land
SWITCH_WORDS = ("/persona", "/doivai")
# "/file PATH" sends a file of this machine, as a document is sent on Telegram (a plan
# to import): the path is its file id, which only this channel's port reads.
FILE_WORD = "/file"


@dataclass(frozen=True)
class Persona:
    role: MemberRole
    unit_id: str | None = None

    @property
    def user_id(self) -> str:
        return "admin" if self.role is MemberRole.ADMIN else f"{self.role}-{self.unit_id}"


async def read_stdin(prompt: str) -> str | None:
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


class TerminalChat:
    def __init__(self, app: App, read_line: LineReader, write: LineWriter,
                 *, language: str | None = None, files_dir: Path = FILES_DIR) -> None:
        self.app = app
        self.files_dir = files_dir
        self.read_line = read_line
        self.write = write
        self.language = language or app.settings.default_language
        self.t: Translator = translator(self.language)
        self.choices = ChoiceBook(app.sessions, CHANNEL)
        app.delivery.register(CHANNEL, self._deliver_elsewhere)

    async def run(self, persona: Persona | None = None) -> None:
        self.write(self.t.gettext("Nhắc việc — local chat. /persona to change who you are, "
                                  "/quit to leave."))
        while True:
            if persona is None:
                persona = await self.pick_persona()
                if persona is None:
                    return
            await self._enroll(persona)
            switched = await self._converse(persona)
            if not switched:
                return
            persona = None

    async def _enroll(self, persona: Persona) -> None:
        await self.app.services.enroll(
            CHANNEL, persona.user_id, unit_id=persona.unit_id, role=persona.role,
            at=self.app.clock(), display_name=persona.user_id, language=self.language,
            chat_id=persona.user_id)
        if persona.unit_id:
            name = self.app.services.directory.get(persona.unit_id).name
            self.write(self.t.gettext("You are an officer of {unit}.").format(unit=name))
        else:
            self.write(self.t.gettext("You are an administrator."))

    async def pick_persona(self) -> Persona | None:
        self.write(self.t.gettext("Who are you? [1] an officer of a unit  [2] an administrator"))
        while True:
            answer = await self.read_line("> ")
            if answer is None or answer.strip() in QUIT_WORDS:
                return None
            if answer.strip() == "2":
                return Persona(MemberRole.ADMIN)
            if answer.strip() == "1":
                return await self._pick_unit()
            self.write(self.t.gettext("Answer 1 or 2."))

    async def _pick_unit(self) -> Persona | None:
        self.write(self.t.gettext("Type your unit's name (e.g. Sở Tư pháp, so tu phap, DPI):"))
        while True:
            answer = await self.read_line("> ")
            if answer is None or answer.strip() in QUIT_WORDS:
                return None
            services = self.app.services
            if unit_id := services.resolve_unit(answer):
                return Persona(MemberRole.OFFICER, unit_id)
            matches = services.rank_units(answer)
            if not matches:
                self.write(self.t.gettext("No unit matches that name. Try again:"))
                continue
            for index, match in enumerate(matches, 1):
                self.write(f"[{index}] {match.name}")
            pick = await self.read_line("> ")
            if pick and pick.strip().isdigit() and 1 <= int(pick) <= len(matches):
                return Persona(MemberRole.OFFICER,
                               services.directory.successor(matches[int(pick) - 1].unit_id))
            self.write(self.t.gettext("Type the unit's name again:"))

    async def _converse(self, persona: Persona) -> bool:
        """Talk until the user quits (False) or asks to switch persona (True)."""
        while True:
            line = await self.read_line("> ")
            if line is None or line.strip() in QUIT_WORDS:
                return False
            if line.strip() in SWITCH_WORDS:
                return True
            if not line.strip():
                continue
            await self.send(persona, line)

    async def send(self, persona: Persona, line: str) -> None:
        await self.send_as(persona.user_id, line)

    async def send_as(self, user_id: str, line: str) -> None:
        """One line typed by ``user_id`` in their private chat; the answer printed."""
        now = self.app.clock()
        picked = await self.choices.pick(user_id, line, now)
        if picked is EXPIRED:
            self.write(self.t.gettext("Those choices have expired. Please ask again."))
            return
        media = None
        command, _, path = line.strip().partition(" ")
        if picked is None and command == FILE_WORD and path.strip():
            file = path.strip()
            media, line = Media("document", CHANNEL, file, PurePath(file).name), ""
        incoming = Incoming(
            channel=CHANNEL, chat_id=user_id, user_id=user_id,
            received_at=now, text="" if isinstance(picked, str) else line,
            chat_kind=ChatKind.PRIVATE, display_name=user_id,
            language_code=self.language, choice=picked if isinstance(picked, str) else None,
            media=media)
        here = []
        for reply in await self.app.router.handle(incoming):
            if reply.to is not None and reply.to.chat_id != user_id:
                await self.app.delivery.send(reply.to, reply)
            else:
                here.append(reply)
        # One answer's choices are numbered on, across its messages (a preview and
        # its card): "1" cannot mean two things at once.
        lines = await self.choices.offer(
            user_id, [o for r in here for row in r.options for o in row], now)
        for reply in here:
            count = sum(len(row) for row in reply.options)
            self.show(reply, lines[:count])
            lines = lines[count:]

    # --- the outbox: reminders arrive in the terminal as they come due --------------------

    async def deliver(self, chat_id: str, payload: dict[str, Any]) -> Outcome:
        """A reminder or a broadcast: shown with its choices, which the persona it is
        for answers by number as on Zalo ("1" → ✍ send an update)."""
        await self._show_to(chat_id, reply_from_payload(payload), "🔔")
        return Sent()

    async def unreachable(self, chat_id: str) -> None:
        return None

    async def _deliver_elsewhere(self, chat_id: str, reply: Reply) -> str | None:
        """A message for another local persona (an admin's request card): shown,
        marked, since one terminal plays every part, with its choices offered to that
        persona's chat."""
        await self._show_to(chat_id, reply, "📨")
        return ""

    async def _show_to(self, chat_id: str, reply: Reply, mark: str) -> None:
        """A message for ``chat_id`` that the persona typing did not ask for, marked."""
        lines = await self.choices.offer(
            chat_id, [o for row in reply.options for o in row], self.app.clock())
        self.write(f"{mark} [{chat_id}] " + "\n".join(
            [to_plain(reply.body), *(["  ".join(lines)] if lines else [])]))

    def show(self, reply: Reply, choices: list[str]) -> None:
        if reply.media is not None:
            self.write(f"[📎 {reply.media.filename or reply.media.kind}]")
        self.write(to_plain(reply.body))
        if reply.attachment is not None:
            # A terminal cannot show a file: it is saved, and the path shown.
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / Path(reply.attachment.filename).name
            path.write_bytes(reply.attachment.content)
            self.write(f"📎 {path}")
        if choices:
            self.write("  ".join(choices))
        self.write("")

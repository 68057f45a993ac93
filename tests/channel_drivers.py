"""One way to drive the bot as a person would, on every channel: Telegram (the real
python-telegram-bot against the fake Bot API, buttons pressed), Zalo (the real
ZaloClient against the fake platform, choices answered by number) and the local chat
(the terminal channel, answered by number) and the web chat (its buttons pressed,
edits in place). ``tests/test_everywhere.py`` runs the same scenarios through each,
so the channels cannot drift apart.

Every driver speaks of users by name ("admin", "officer", …) and answers:

- ``say(user, text)``: the user writes in their private chat, handled before it returns;
- ``latest(user)``: everything the user's chat received since the last action (a say
  or a choice, by anyone), as plain text, choices included (on Telegram, the short
  notice a button press answers with too);
- ``choose(user, label)``: the user picks the option so labelled — a button press on
  Telegram, its number elsewhere;
- ``drain()``: the outbox (reminders, broadcasts) delivered.
"""

from __future__ import annotations

import html
import json
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.app import App, running_app
from bot.channels.local import TerminalChat
from bot.channels.web import WebChat
from bot.config import Settings
from bot.scheduler import ReminderScheduler
from tests.conversation_kit import outbox_delivered
from tests.fakes.telegram_api import Call
from tests.telegram_harness import ADMIN_ID, Clock, Harness, press, telegram_bot
from tests.telegram_harness import say as telegram_say
from tests.zalo_harness import ADMIN as ZALO_ADMIN
from tests.zalo_harness import ZaloHarness, zalo_bot

CHANNELS = ("telegram", "zalo", "local", "web")
_OPTION = re.compile(r"\[(\d+)\] (.+?)(?=  \[\d+\] |$)")
_TAG = re.compile(r"<[^>]+>")


def number_for(texts: list[str], label: str) -> str:
    """The number the latest numbered list among ``texts`` gives ``label``."""
    for text in reversed(texts):
        for line in reversed(text.splitlines()):
            for number, shown in _OPTION.findall(line.strip()):
                if shown.strip() == label:
                    return str(number)
    raise AssertionError(f"no option {label!r} in {texts[-3:]!r}")


class Driver(ABC):
    channel: str
    app: App
    clock: Clock

    @abstractmethod
    async def say(self, user: str, text: str) -> None: ...

    @abstractmethod
    def latest(self, user: str) -> str: ...

    @abstractmethod
    async def choose(self, user: str, label: str) -> None: ...

    @abstractmethod
    async def drain(self) -> None: ...

    async def invite_code(self, unit: str) -> str:
        await self.say("admin", f"/invite {unit}")
        found = re.search(r"(?:start=|/start )([A-Za-z0-9_-]{12})", self.latest("admin"))
        assert found, self.latest("admin")
        return found.group(1)

    async def join(self, user: str, unit: str = "Sở Tư pháp") -> None:
        await self.say(user, f"/start {await self.invite_code(unit)}")
        assert "Bạn đã là thành viên của" in self.latest(user), self.latest(user)


# --- Telegram ------------------------------------------------------------------------------

class TelegramDriver(Driver):
    channel = "telegram"

    def __init__(self, harness: Harness) -> None:
        self.tg = harness
        self.app, self.clock = harness.app, harness.clock
        self._ids = {"admin": ADMIN_ID}
        self._mark = 0
        self._notices: dict[int, str] = {}  # answerCallbackQuery's call index → who pressed

    def user_id(self, user: str) -> int:
        return self._ids.setdefault(user, 300 + len(self._ids))

    def _to(self, user: str, calls: list[Call]) -> list[Call]:
        chat = str(self.user_id(user))
        return [c for c in calls if c.ok and c.method in ("sendMessage", "editMessageText")
                and str(c.params.get("chat_id")) == chat]

    async def say(self, user: str, text: str) -> None:
        self._mark = len(self.tg.api.calls)
        await telegram_say(self.tg, self.user_id(user), text)
        await self.tg.settled()

    def latest(self, user: str) -> str:
        parts = []
        for index, call in enumerate(self.tg.api.calls[self._mark:], self._mark):
            if call.method == "answerCallbackQuery" and self._notices.get(index) == user:
                parts.append(str(call.params.get("text") or ""))
            elif call in self._to(user, [call]):
                text = html.unescape(_TAG.sub("", str(call.params.get("text", ""))))
                buttons = [b["text"] for row in _keyboard(call) for b in row]
                parts.append("\n".join([text, *buttons]))
        return "\n".join(part for part in parts if part)

    async def choose(self, user: str, label: str) -> None:
        for call in reversed(self._to(user, self.tg.api.calls)):
            for row in _keyboard(call):
                for button in row:
                    if button["text"] == label:
                        message_id = call.params.get("message_id") or \
                            call.result["message_id"]
                        self._mark = len(self.tg.api.calls)
                        await press(self.tg, self.user_id(user), button["callback_data"],
                                    message_id=int(message_id))
                        await self.tg.settled()
                        for index, answered in enumerate(self.tg.api.calls):
                            if answered.method == "answerCallbackQuery" and \
                                    index >= self._mark:
                                self._notices.setdefault(index, user)
                        return
        raise AssertionError(f"no button {label!r} for {user}")

    async def drain(self) -> None:
        await outbox_delivered(self.app, self.tg.service.scheduler.worker.drain)


def _keyboard(call: Call) -> list[list[dict[str, Any]]]:
    markup = call.params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    return list(markup.get("inline_keyboard", [])) if isinstance(markup, dict) else []


# --- Zalo ----------------------------------------------------------------------------------

class ZaloDriver(Driver):
    channel = "zalo"

    def __init__(self, harness: ZaloHarness) -> None:
        self.zl = harness
        self.app, self.clock = harness.app, harness.clock
        self._mark = 0

    @staticmethod
    def user_id(user: str) -> str:
        return ZALO_ADMIN if user == "admin" else f"z-{user}"

    def _texts(self, user: str, since: int = 0) -> list[str]:
        chat = self.user_id(user)
        return [str(c.params["text"]) for c in self.zl.api.calls[since:]
                if c.ok and c.method == "sendMessage" and c.params.get("chat_id") == chat]

    async def say(self, user: str, text: str) -> None:
        self._mark = len(self.zl.api.calls)
        await self.zl.say(self.user_id(user), text)

    def latest(self, user: str) -> str:
        return "\n".join(self._texts(user, self._mark))

    async def choose(self, user: str, label: str) -> None:
        await self.say(user, number_for(self._texts(user), label))

    async def drain(self) -> None:
        await outbox_delivered(self.app, self.zl.service.scheduler.worker.drain)


# --- the local chat ------------------------------------------------------------------------

class LocalDriver(Driver):
    channel = "local"

    def __init__(self, app: App, clock: Clock) -> None:
        self.app, self.clock = app, clock
        self.chat = TerminalChat(app, _no_input, self._write, files_dir=Path("."))
        self.scheduler = ReminderScheduler(app, {"local": self.chat})
        self._lines: list[tuple[str, str]] = []  # (chat, line) as the terminal printed
        self._speaker = ""
        self._mark = 0

    @staticmethod
    def user_id(user: str) -> str:
        return user

    def _write(self, line: str) -> None:
        # Pushes and messages for another persona are marked with their chat.
        found = re.match(r"(?:🔔|📨) \[([^\]]+)\] ", line)
        chat = found.group(1) if found else self._speaker
        self._lines.extend((chat, part) for part in line[found.end() if found else 0:]
                           .splitlines())

    def _texts(self, user: str, since: int = 0) -> list[str]:
        return [line for chat, line in self._lines[since:] if chat == user]

    async def say(self, user: str, text: str) -> None:
        self._mark = len(self._lines)
        self._speaker = user
        await self.chat.send_as(user, text)

    def latest(self, user: str) -> str:
        return "\n".join(self._texts(user, self._mark))

    async def choose(self, user: str, label: str) -> None:
        await self.say(user, number_for(self._texts(user), label))

    async def drain(self) -> None:
        await outbox_delivered(self.app, self.scheduler.worker.drain)


async def _no_input(prompt: str) -> str | None:
    return None


# --- the web chat --------------------------------------------------------------------------

class WebDriver(Driver):
    """The web chat below its socket (``tests/test_web_chat.py`` tests the socket):
    what it would write to each chat's pages, buttons pressed by their data."""

    channel = "web"

    def __init__(self, app: App, clock: Clock) -> None:
        self.app, self.clock = app, clock
        self.chat = WebChat(app)
        self.scheduler = ReminderScheduler(app, {"web": self.chat})
        self._frames: list[tuple[str, dict[str, Any]]] = []  # (chat, frame) as published
        self._mark = 0
        publish = self.chat._publish

        async def recorded(chat_id: str, frame: dict[str, Any]) -> None:
            self._frames.append((chat_id, frame))
            await publish(chat_id, frame)

        self.chat._publish = recorded  # type: ignore[method-assign]

    def _to(self, user: str, since: int = 0) -> list[dict[str, Any]]:
        return [frame for chat, frame in self._frames[since:] if chat == user]

    async def say(self, user: str, text: str) -> None:
        self._mark = len(self._frames)
        await self.chat.say_as(user, user, text)

    def latest(self, user: str) -> str:
        return "\n".join("\n".join([html.unescape(_TAG.sub("", frame["html"])),
                                     *(o["label"] for row in frame["options"] for o in row)])
                         for frame in self._to(user, self._mark))

    async def choose(self, user: str, label: str) -> None:
        for frame in reversed(self._to(user)):
            for row in frame["options"]:
                for option in row:
                    if option["label"] == label:
                        self._mark = len(self._frames)
                        await self.chat.say_as(user, user, "", choice=option["data"],
                                               message_id=frame["id"])
                        return
        raise AssertionError(f"no button {label!r} for {user}")

    async def drain(self) -> None:
        await outbox_delivered(self.app, self.scheduler.worker.drain)


@asynccontextmanager
async def driver_for(channel: str, tmp_path: Path) -> AsyncIterator[Driver]:
    """A bot on ``channel`` with its admin known (they wrote first: /help)."""
    driver: Driver
    if channel == "telegram":
        async with telegram_bot(tmp_path) as tg:
            driver = TelegramDriver(tg)
            await driver.say("admin", "/help")
            yield driver
    elif channel == "zalo":
        async with zalo_bot(tmp_path) as zl:
            driver = ZaloDriver(zl)
            await driver.say("admin", "/help")
            yield driver
    else:
        clock = Clock()
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
                            admins=(f"{channel}:admin",))
        async with running_app(settings, clock=clock) as app:
            driver = LocalDriver(app, clock) if channel == "local" else WebDriver(app, clock)
            await driver.say("admin", "/help")
            yield driver



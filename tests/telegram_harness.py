"""The bot on the real python-telegram-bot against the local fake Bot API, for the
end-to-end tests: webhook mode by default (the test posts updates to our aiohttp
server, as Telegram would), polling on request."""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from bot.app import App, running_app
from bot.channels.telegram.channel import SECRET_HEADER, WEBHOOK_PATH
from bot.config import Settings
from bot.runner import Service
from tests.fakes.telegram_api import Call, FakeTelegramApi
from tests.fakes.telegram_updates import callback_update, message_update

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
_update_ids = itertools.count(1)
START = datetime(2023, 8, 10, 9, 0, tzinfo=HANOI)
SECRET = "s3cret-webhook-token"
ADMIN_ID = 100


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Harness:
    api: FakeTelegramApi
    app: App
    service: Service
    clock: Clock
    sleeps: list[float] = field(default_factory=list)

    @property
    def webhook_url(self) -> str:
        return self.service.http.url + WEBHOOK_PATH

    async def post(self, update: dict[str, Any], *, secret: str | None = SECRET,
                   raw: bytes | None = None) -> int:
        """Deliver an update as Telegram does; the HTTP status our server answered."""
        if raw is None:
            update.setdefault("update_id", next(_update_ids))
            self.api.register_update(update)  # so the bot can edit the pressed message
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        # A stream, not bytes: aiohttp warns about large raw bodies (the 2 MB test).
        body = io.BytesIO(raw if raw is not None else json.dumps(update).encode())
        async with aiohttp.ClientSession() as session, session.post(
                self.webhook_url, data=body, headers=headers) as response:
            return response.status

    async def settled(self) -> None:
        """Wait until every update posted so far has been handled."""
        assert self.service.telegram is not None
        await self.service.telegram.settled()

    async def sent(self, chat_id: int, count: int = 1) -> list[Call]:
        """Wait for ``count`` messages sent to ``chat_id``; all of them so far."""
        return await self.api.wait_for(
            "sendMessage", count=count,
            predicate=lambda call: str(call.params.get("chat_id")) == str(chat_id) and call.ok)

    async def text_to(self, chat_id: int, count: int = 1) -> str:
        calls = await self.sent(chat_id, count)
        return str(calls[count - 1].params["text"])

    async def edited(self, count: int = 1) -> str:
        calls = await self.api.wait_for("editMessageText", count=count,
                                        predicate=lambda call: call.ok)
        return str(calls[count - 1].params["text"])

    def last_buttons(self, chat_id: int) -> list[tuple[str, str]]:
        for message in reversed(self.api.sent_messages(chat_id)):
            markup = message.get("reply_markup")
            if markup:
                return [(b["text"], b["callback_data"])
                        for row in markup["inline_keyboard"] for b in row]
        return []


@asynccontextmanager
async def telegram_bot(tmp_path: Path, *, webhook: bool = True,
                       database_url: str | None = None) -> AsyncIterator[Harness]:
    clock = Clock()
    async with FakeTelegramApi(bot_username="NhacViecBot") as api:
        settings = Settings(
            database_url=database_url or f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            admins=(f"telegram:{ADMIN_ID}",), telegram_token=api.token,
            telegram_api_url=api.api_url,
            webhook_url="https://bot.example.gov.vn" if webhook else None,
            webhook_secret=SECRET if webhook else None, http_host="127.0.0.1", http_port=0)
        async with running_service(settings, clock) as (app, service, sleeps):
            yield Harness(api, app, service, clock, sleeps)


@asynccontextmanager
async def running_service(settings: Settings,
                          clock: Clock) -> AsyncIterator[tuple[App, Service, list[float]]]:
    """The app and what ``nhacviec run`` starts (HTTP server, channels, scheduler) on
    the test's clock; every wait the service makes is recorded and passes at once."""
    async with running_app(settings, clock=clock) as app:
        sleeps: list[float] = []

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            clock.advance(timedelta(seconds=seconds))

        service = Service(app, sleep=sleep)
        await service.start()
        try:
            yield app, service, sleeps
        finally:
            await service.stop()


# --- what a test does as a Telegram user ------------------------------------------


async def say(tg: Harness, user: int, text: str, **kw: object) -> None:
    assert await tg.post(message_update(text, user_id=user, **kw)) == 200  # type: ignore[arg-type]


async def press(tg: Harness, user: int, data: str, *, message_id: int, **kw: object) -> None:
    update = callback_update(data, user_id=user, message_id=message_id, **kw)  # type: ignore[arg-type]
    assert await tg.post(update) == 200


async def invite(tg: Harness, unit: str = "Sở Tư pháp") -> str:
    count = len(tg.api.sent_messages(ADMIN_ID)) + 1
    await say(tg, ADMIN_ID, f"/invite {unit}")
    text = await tg.text_to(ADMIN_ID, count)
    match = re.search(r"https://t\.me/NhacViecBot\?start=([A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)


async def join(tg: Harness, user: int, unit: str = "Sở Tư pháp") -> None:
    code = await invite(tg, unit)
    count = len(tg.api.sent_messages(user)) + 1
    await say(tg, user, f"/start {code}")
    assert "Bạn đã là thành viên" in await tg.text_to(user, count)


def last_message_id(tg: Harness, chat_id: int) -> int:
    calls = [c for c in tg.api.calls_to("sendMessage")
             if str(c.params.get("chat_id")) == str(chat_id) and c.ok]
    return int(calls[-1].result["message_id"])

"""The bot on Zalo against the local fake Zalo Bot Platform, for the end-to-end tests:
webhook mode by default (the test posts events to our aiohttp server, as the
platform would), long polling on request. The real ``ZaloClient`` talks to the fake
over HTTP; nothing else is replaced."""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.app import App
from bot.channels.zalo.channel import SECRET_HEADER, WEBHOOK_PATH
from bot.config import Settings
from bot.runner import Service
from tests.conversation_kit import outbox_delivered
from tests.fakes.zalo_api import FakeZaloApi, text_event, wrapped
from tests.telegram_harness import Clock, running_service

SECRET = "zalo-webhook-secret-1"
ADMIN = "z-admin"
_message_ids = itertools.count(1)


@dataclass
class ZaloHarness:
    api: FakeZaloApi
    app: App
    service: Service
    clock: Clock
    sleeps: list[float] = field(default_factory=list)

    @property
    def webhook_url(self) -> str:
        return self.service.http.url + WEBHOOK_PATH

    async def post(self, event: dict[str, Any] | None = None, *, secret: str | None = SECRET,
                   wrap: bool = False, raw: bytes | None = None) -> int:
        """Deliver an event as the platform does; the HTTP status our server answered."""
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        body = raw if raw is not None else json.dumps(wrapped(event) if wrap and event
                                                      else event).encode()
        async with aiohttp.ClientSession() as session, session.post(
                self.webhook_url, data=io.BytesIO(body), headers=headers) as response:
            return response.status

    async def say(self, user: str, text: str, **kw: Any) -> None:
        """A private message from ``user``, handled before this returns."""
        kw.setdefault("message_id", f"m{next(_message_ids)}")
        assert await self.post(text_event(user, text, **kw)) == 200
        await self.settled()

    async def settled(self) -> None:
        assert self.service.zalo is not None
        await self.service.zalo.settled()

    async def delivered(self) -> None:
        """The outbox (reminders, broadcasts) sent."""
        await outbox_delivered(self.app, self.service.scheduler.worker.drain)

    def texts_to(self, chat_id: str) -> list[str]:
        return [str(m["text"]) for m in self.api.sent_messages(chat_id)]

    def last_text(self, chat_id: str) -> str:
        texts = self.texts_to(chat_id)
        return texts[-1] if texts else ""

    def number_of(self, chat_id: str, label: str) -> str:
        """The number the latest numbered list to ``chat_id`` gives an option."""
        for text in reversed(self.texts_to(chat_id)):
            for line in text.splitlines():
                found = re.fullmatch(r"\[(\d+)\] (.*)", line.strip())
                if found and found.group(2) == label:
                    return found.group(1)
        raise AssertionError(f"no option {label!r} offered to {chat_id}")

    async def choose(self, user: str, label: str) -> None:
        await self.say(user, self.number_of(user, label))


@asynccontextmanager
async def zalo_bot(tmp_path: Path, *, webhook: bool = True, telegram: bool = False,
                   **settings: Any) -> AsyncIterator[ZaloHarness]:
    clock = Clock()
    async with FakeZaloApi() as api:
        config = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            admins=(f"zalo:{ADMIN}",), zalo_token=api.token, zalo_api_url=api.api_url,
            webhook_url="https://bot.example.gov.vn" if webhook else None,
            webhook_secret=SECRET if webhook else None, http_host="127.0.0.1",
            http_port=0, **settings)
        async with running_service(config, clock) as (app, service, sleeps):
            yield ZaloHarness(api, app, service, clock, sleeps)

"""Multi-step conversations ("which unit are you from?", "now send the update text"):
the step a chat is waiting for, kept in the database so a restart loses nothing, and
expiring so an old question does not capture a new message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.messages import Incoming
from bot.services import Services
from storage import conversations as state_store

STEP_LIFETIME = timedelta(minutes=30)


@dataclass(frozen=True)
class Step:
    kind: str  # e.g. "join.unit_name", "update.text"
    data: dict[str, Any]


class Conversations:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def current(self, incoming: Incoming, now: datetime) -> Step | None:
        async with self.services.sessions.begin() as session:
            row = await state_store.get_state(session, incoming.channel, incoming.chat_id,
                                              incoming.user_id, now=now)
            return Step(row.kind, dict(row.data or {})) if row else None

    async def expect(self, incoming: Incoming, kind: str, data: dict[str, Any],
                     now: datetime) -> None:
        async with self.services.sessions.begin() as session:
            await state_store.set_state(session, channel=incoming.channel,
                                        chat_id=incoming.chat_id, user_id=incoming.user_id,
                                        kind=kind, data=data, expires_at=now + STEP_LIFETIME)

    async def done(self, incoming: Incoming) -> None:
        async with self.services.sessions.begin() as session:
            await state_store.clear_state(session, incoming.channel, incoming.chat_id,
                                          incoming.user_id)

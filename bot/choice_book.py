"""Numbered choices kept in the database, for channels without buttons (Zalo, the
terminal): a restart, or another bot process, still knows what "2" means in a chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.numbered import EXPIRED, Expired, chosen_option, numbered
from bot.messages import Option
from storage import choices as choice_store

OFFER_LIFETIME = timedelta(minutes=30)


class ChoiceBook:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], channel: str,
                 lifetime: timedelta = OFFER_LIFETIME) -> None:
        self.sessions = sessions
        self.channel = channel
        self.lifetime = lifetime

    async def offer(self, chat_id: str, options: Sequence[Option], now: datetime) -> list[str]:
        """Remember ``options`` for the chat and return the lines that show them. An
        answer with no options ends the last offer: "2" after "Đã lưu" is not an
        answer to a list two messages up."""
        async with self.sessions.begin() as session:
            if not options:
                await choice_store.clear_offer(session, self.channel, chat_id)
                return []
            await choice_store.save_offer(
                session, channel=self.channel, chat_id=chat_id,
                options=[(o.label, o.data) for o in options], expires_at=now + self.lifetime)
        return numbered(options)

    async def pick(self, chat_id: str, text: str, now: datetime) -> str | Expired | None:
        """The data of the option ``text`` picks, ``EXPIRED`` when the offer it
        answers has expired, None when it answers nothing (an ordinary message)."""
        async with self.sessions() as session:
            found = await choice_store.get_offer(session, self.channel, chat_id)
        if found is None:
            return None
        stored, expires_at = found
        chosen = chosen_option([Option(label, data) for label, data in stored], text)
        if chosen is None:
            return None
        return EXPIRED if now > expires_at else chosen.data

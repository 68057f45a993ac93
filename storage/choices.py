"""Numbered choices offered in a chat without buttons (Zalo): what "2" means there.

One offer per chat, the last one made; it outlives a restart and is shared by every
bot process, like the conversation states.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage import upsert
from storage.models_channels import ChoiceOffer


async def save_offer(session: AsyncSession, *, channel: str, chat_id: str,
                     options: list[tuple[str, str]], expires_at: datetime) -> None:
    """Replace the chat's offer with ``options`` ((label, data) in the order numbered)."""
    rows = [[label, data] for label, data in options]
    insert = (await upsert.insert(session, ChoiceOffer)).values(
        channel=channel, chat_id=chat_id, options=rows, expires_at=expires_at)
    await session.execute(insert.on_conflict_do_update(
        index_elements=["channel", "chat_id"],
        set_={"options": rows, "expires_at": expires_at}))


async def get_offer(session: AsyncSession, channel: str,
                    chat_id: str) -> tuple[list[tuple[str, str]], datetime] | None:
    """The chat's last offer and when it expires (expired ones too: the caller says so)."""
    row = await session.get(ChoiceOffer, (channel, chat_id))
    if row is None:
        return None
    return [(str(label), str(data)) for label, data in row.options], row.expires_at


async def clear_offer(session: AsyncSession, channel: str, chat_id: str) -> None:
    await session.execute(delete(ChoiceOffer).where(ChoiceOffer.channel == channel,
                                                    ChoiceOffer.chat_id == chat_id))

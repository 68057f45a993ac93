"""Conversation states: which step of a multi-step exchange a user is at, per chat.

Keyed by (channel, chat, user): in a group, two officers can each be halfway
through their own update without answering each other's questions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage import upsert
from storage.models import ConversationState


async def set_state(
    session: AsyncSession,
    *,
    channel: str,
    chat_id: str,
    user_id: str,
    kind: str,
    data: dict[str, Any],
    expires_at: datetime,
) -> ConversationState:
    """Start or move on the user's conversation in this chat, replacing any other.

    ``data`` is stored as JSON: plain str, int, float, bool, None, lists and dicts.
    """
    insert = (await upsert.insert(session, ConversationState)).values(
        channel=channel, chat_id=chat_id, user_id=user_id,
        kind=kind, data=data, expires_at=expires_at,
    )
    statement = insert.on_conflict_do_update(
        index_elements=["channel", "chat_id", "user_id"],
        set_={"kind": kind, "data": data, "expires_at": expires_at},
    ).returning(ConversationState)
    result = await session.scalars(statement, execution_options={"populate_existing": True})
    return result.one()


async def get_state(
    session: AsyncSession, channel: str, chat_id: str, user_id: str, *, now: datetime
) -> ConversationState | None:
    """The live state, or None; an expired state is deleted on the way."""
    state = await session.get(ConversationState, (channel, chat_id, user_id))
    if state is None or state.expires_at > now:
        return state
    # Conditional: a set_state that renewed the row meanwhile must survive.
    await session.execute(
        delete(ConversationState).where(
            ConversationState.channel == channel,
            ConversationState.chat_id == chat_id,
            ConversationState.user_id == user_id,
            ConversationState.expires_at <= now,
        )
    )
    return None


async def clear_state(session: AsyncSession, channel: str, chat_id: str, user_id: str) -> bool:
    """End the user's conversation in this chat; False when there was none."""
    result = await session.execute(
        delete(ConversationState)
        .where(
            ConversationState.channel == channel,
            ConversationState.chat_id == chat_id,
            ConversationState.user_id == user_id,
        )
        .returning(ConversationState.user_id)
    )
    return result.first() is not None


async def purge_expired_states(session: AsyncSession, *, now: datetime) -> int:
    """Delete the states abandoned before ``now`` (for a periodic tick); how many."""
    result = await session.execute(
        delete(ConversationState)
        .where(ConversationState.expires_at <= now)
        .returning(ConversationState.user_id)
    )
    return len(result.all())

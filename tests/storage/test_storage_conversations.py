"""Conversation states: one per (channel, chat, user), gone once expired."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.conversations import clear_state, get_state, purge_expired_states, set_state
from storage.models import ConversationState

DATA: dict[str, Any] = {
    "task": "II.3.6", "percent": 40, "units": ["so-xd", "so-tc"], "draft": "Đã giải ngân",
    "nested": {"ok": True, "none": None},
}


async def _set(
    sessionmaker: async_sessionmaker[AsyncSession], user: str, kind: str,
    data: dict[str, Any], expires_at: datetime, *, chat: str = "-100",
) -> ConversationState:
    async with sessionmaker.begin() as session:
        return await set_state(session, channel="telegram", chat_id=chat, user_id=user,
                               kind=kind, data=data, expires_at=expires_at)


async def _get(
    sessionmaker: async_sessionmaker[AsyncSession], user: str, now: datetime, *,
    chat: str = "-100",
) -> ConversationState | None:
    async with sessionmaker.begin() as session:
        return await get_state(session, "telegram", chat, user, now=now)


async def _count(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(ConversationState)) or 0


async def test_set_then_get(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    expiry = now + timedelta(minutes=30)
    saved = await _set(sessionmaker, "7", "progress", DATA, expiry)
    assert (saved.kind, saved.data, saved.expires_at) == ("progress", DATA, expiry)
    loaded = await _get(sessionmaker, "7", now)
    assert loaded is not None
    assert (loaded.channel, loaded.chat_id, loaded.user_id, loaded.kind, loaded.data,
            loaded.expires_at) == ("telegram", "-100", "7", "progress", DATA, expiry)


async def test_set_again_replaces(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _set(sessionmaker, "7", "progress", DATA, now + timedelta(minutes=30))
    later = now + timedelta(hours=2)
    async with sessionmaker.begin() as session:
        # Within one session too: the row already loaded shows the new values.
        before = await get_state(session, "telegram", "-100", "7", now=now)
        after = await set_state(session, channel="telegram", chat_id="-100", user_id="7",
                                kind="join", data={"step": 2}, expires_at=later)
        assert before is after and (after.kind, after.data) == ("join", {"step": 2})
    loaded = await _get(sessionmaker, "7", now)
    assert loaded is not None and (loaded.kind, loaded.data, loaded.expires_at) == (
        "join", {"step": 2}, later
    )
    assert await _count(sessionmaker) == 1


async def test_each_user_and_chat_has_its_own(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    expiry = now + timedelta(minutes=30)
    await _set(sessionmaker, "7", "progress", {"who": "7 in group"}, expiry)
    await _set(sessionmaker, "8", "progress", {"who": "8 in group"}, expiry)
    await _set(sessionmaker, "7", "join", {"who": "7 in private"}, expiry, chat="7")
    for user, chat, who in (("7", "-100", "7 in group"), ("8", "-100", "8 in group"),
                            ("7", "7", "7 in private")):
        state = await _get(sessionmaker, user, now, chat=chat)
        assert state is not None and state.data == {"who": who}
    assert await _get(sessionmaker, "8", now, chat="8") is None


async def test_an_expired_state_is_gone_and_deleted(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    expiry = now + timedelta(minutes=30)
    await _set(sessionmaker, "7", "progress", DATA, expiry)
    assert await _get(sessionmaker, "7", expiry - timedelta(microseconds=1)) is not None
    assert await _count(sessionmaker) == 1
    assert await _get(sessionmaker, "7", expiry) is None
    assert await _count(sessionmaker) == 0
    assert await _get(sessionmaker, "7", now) is None  # gone for good, not hidden


async def test_clear(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> None:
    await _set(sessionmaker, "7", "progress", DATA, now + timedelta(minutes=30))
    await _set(sessionmaker, "8", "progress", DATA, now + timedelta(minutes=30))
    async with sessionmaker.begin() as session:
        assert await clear_state(session, "telegram", "-100", "7") is True
        assert await clear_state(session, "telegram", "-100", "7") is False
    assert await _get(sessionmaker, "7", now) is None
    assert await _get(sessionmaker, "8", now) is not None


async def test_purge_expired(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    for minutes, user in ((10, "1"), (20, "2"), (30, "3")):
        await _set(sessionmaker, user, "progress", {}, now + timedelta(minutes=minutes))
    async with sessionmaker.begin() as session:
        assert await purge_expired_states(session, now=now + timedelta(minutes=20)) == 2
        assert await purge_expired_states(session, now=now + timedelta(minutes=20)) == 0
    assert await _get(sessionmaker, "3", now) is not None

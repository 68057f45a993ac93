"""Join requests: pending until one admin decides; a newer request replaces an older one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.join_requests import (
    cancel_pending,
    decide,
    get_request,
    open_request,
    pending_for_user,
    pending_requests,
)
from storage.models import JoinRequest

pytestmark = pytest.mark.usefixtures("units")


async def _open(
    sessionmaker: async_sessionmaker[AsyncSession], user: str, unit_id: str, at: datetime,
    *, channel: str = "telegram",
) -> JoinRequest:
    async with sessionmaker.begin() as session:
        return await open_request(session, channel=channel, channel_user_id=user,
                                  chat_id=f"chat-{user}", display_name=f"Anh {user}",
                                  language="vi", unit_id=unit_id, at=at)


async def _decide(
    sessionmaker: async_sessionmaker[AsyncSession], request_id: int, approve: bool,
    admin: str, at: datetime,
) -> JoinRequest | None:
    async with sessionmaker.begin() as session:
        return await decide(session, request_id, approve=approve, decided_by=admin, at=at)


async def test_open_and_read_back(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    opened = await _open(sessionmaker, "7", "so-xd", now)
    async with sessionmaker() as session:
        loaded = await get_request(session, opened.id)
        assert await get_request(session, opened.id + 1000) is None
    assert loaded is not None
    assert (loaded.channel, loaded.channel_user_id, loaded.chat_id, loaded.display_name,
            loaded.language, loaded.unit_id, loaded.status, loaded.decided_by,
            loaded.created_at, loaded.decided_at) == (
        "telegram", "7", "chat-7", "Anh 7", "vi", "so-xd", "pending", None, now, None
    )


async def test_a_new_request_cancels_the_users_pending_one(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    first = await _open(sessionmaker, "7", "so-xd", now)
    other_user = await _open(sessionmaker, "8", "so-xd", now + timedelta(minutes=1))
    same_id_elsewhere = await _open(sessionmaker, "7", "so-xd", now, channel="zalo")
    second = await _open(sessionmaker, "7", "so-tc", now + timedelta(minutes=2))
    async with sessionmaker() as session:
        cancelled = await get_request(session, first.id)
        mine = await pending_for_user(session, "telegram", "7")
        pending = await pending_requests(session)
        assert await pending_for_user(session, "telegram", "9") is None
    assert cancelled is not None
    assert (cancelled.status, cancelled.decided_at) == ("cancelled", now + timedelta(minutes=2))
    assert mine is not None and (mine.id, mine.unit_id) == (second.id, "so-tc")
    assert [r.id for r in pending] == [same_id_elsewhere.id, other_user.id, second.id]


async def test_a_user_withdraws(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _open(sessionmaker, "7", "so-xd", now)
    async with sessionmaker.begin() as session:
        assert await cancel_pending(session, "telegram", "7", at=now) == 1
        assert await cancel_pending(session, "telegram", "7", at=now) == 0
        assert await pending_requests(session) == []


@pytest.mark.parametrize(("approve", "status"), [(True, "approved"), (False, "rejected")])
async def test_decide_once(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime, approve: bool, status: str
) -> None:
    request = await _open(sessionmaker, "7", "so-xd", now)
    later = now + timedelta(hours=1)
    decided = await _decide(sessionmaker, request.id, approve, "telegram:1", later)
    assert decided is not None
    assert (decided.id, decided.status, decided.decided_by, decided.decided_at) == (
        request.id, status, "telegram:1", later
    )
    # The second admin, and a retry of either, find nothing left to decide.
    assert await _decide(sessionmaker, request.id, not approve, "telegram:2", later) is None
    assert await _decide(sessionmaker, request.id, approve, "telegram:1", later) is None
    async with sessionmaker() as session:
        final = await get_request(session, request.id)
        assert await pending_for_user(session, "telegram", "7") is None
    assert final is not None and (final.status, final.decided_by) == (status, "telegram:1")


async def test_cancelled_or_unknown_requests_cannot_be_decided(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    old = await _open(sessionmaker, "7", "so-xd", now)
    await _open(sessionmaker, "7", "so-tc", now)
    assert await _decide(sessionmaker, old.id, True, "telegram:1", now) is None
    assert await _decide(sessionmaker, old.id + 1000, True, "telegram:1", now) is None


async def test_the_schema_checks_the_status(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    with pytest.raises(IntegrityError, match="ck_join_requests_status"):
        async with sessionmaker.begin() as session:
            session.add(JoinRequest(channel="zalo", channel_user_id="1", chat_id="1",
                                    display_name="x", unit_id="so-xd", status="maybe",
                                    created_at=now))


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_two_admins_approve_at_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    lock_waiter: Callable[[], Awaitable[None]], now: datetime,
) -> None:
    request = await _open(sessionmaker, "7", "so-xd", now)
    async with sessionmaker.begin() as first:
        assert await decide(first, request.id, approve=True, decided_by="telegram:1",
                            at=now) is not None
        second = asyncio.create_task(_decide(sessionmaker, request.id, True, "telegram:2", now))
        await lock_waiter()
    assert await second is None
    async with sessionmaker() as session:
        final = await get_request(session, request.id)
    assert final is not None and final.decided_by == "telegram:1"

"""Invites: a code with a unit, a role and a number of uses; each use is consumed once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.invites import (
    create_invite,
    get_invite,
    invites_for_unit,
    redeem_invite,
    revoke_invite,
)
from storage.models import Invite

pytestmark = pytest.mark.usefixtures("units")


async def _create(
    sessionmaker: async_sessionmaker[AsyncSession], code: str, at: datetime, *,
    unit_id: str = "so-xd", uses: int = 1, expires_at: datetime | None = None,
) -> Invite:
    async with sessionmaker.begin() as session:
        return await create_invite(session, code=code, unit_id=unit_id, uses=uses,
                                   expires_at=expires_at, created_by="telegram:1", at=at)


async def _redeem(
    sessionmaker: async_sessionmaker[AsyncSession], code: str, at: datetime
) -> Invite | None:
    async with sessionmaker.begin() as session:
        return await redeem_invite(session, code, at=at)


async def test_create_and_read_back(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _create(sessionmaker, "Ab-9_x", now, expires_at=now + timedelta(days=7))
    async with sessionmaker.begin() as session:
        await create_invite(session, code="lead1", unit_id="so-tc", role="lead", uses=3,
                            created_by="cli", at=now)
    async with sessionmaker() as session:
        officer = await get_invite(session, "Ab-9_x")
        lead = await get_invite(session, "lead1")
        assert await get_invite(session, "ab-9_x") is None  # codes are case-sensitive
    assert officer is not None and lead is not None
    assert (officer.unit_id, officer.role, officer.uses_left, officer.revoked,
            officer.created_by, officer.created_at, officer.expires_at) == (
        "so-xd", "officer", 1, False, "telegram:1", now, now + timedelta(days=7)
    )
    assert (lead.role, lead.uses_left, lead.expires_at) == ("lead", 3, None)


@pytest.mark.parametrize("code", ["", "x" * 65, "có-dấu", "two words", "a/b", "a+b"])
async def test_codes_a_deep_link_cannot_carry_are_refused(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime, code: str
) -> None:
    async with sessionmaker.begin() as session:
        with pytest.raises(ValueError, match="invite code"):
            await create_invite(session, code=code, unit_id="so-xd", created_by="cli", at=now)


async def test_no_uses_or_unknown_role_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        with pytest.raises(ValueError, match="at least one use"):
            await create_invite(session, code="a", unit_id="so-xd", uses=0,
                                created_by="cli", at=now)
        with pytest.raises(ValueError, match="boss"):
            await create_invite(session, code="a", unit_id="so-xd", role="boss",
                                created_by="cli", at=now)


@pytest.mark.parametrize(
    ("code", "role", "uses_left", "constraint"),
    [
        ("x" * 65, "officer", 1, "ck_invites_code"),
        ("a b", "officer", 1, "ck_invites_code"),
        ("", "officer", 1, "ck_invites_code"),
        ("ok", "boss", 1, "ck_invites_role"),
        ("ok", "officer", -1, "ck_invites_uses_left"),
    ],
)
async def test_the_schema_checks_too(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime,
    code: str, role: str, uses_left: int, constraint: str,
) -> None:
    with pytest.raises(IntegrityError, match=constraint):
        async with sessionmaker.begin() as session:
            session.add(Invite(code=code, unit_id="so-xd", role=role, uses_left=uses_left,
                               expires_at=None, revoked=False, created_by="x", created_at=now))


async def test_a_code_is_taken_once(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _create(sessionmaker, "same", now)
    with pytest.raises(IntegrityError):
        await _create(sessionmaker, "same", now, unit_id="so-tc")


async def test_redeeming_counts_down_to_exhaustion(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _create(sessionmaker, "two", now, uses=2)
    first = await _redeem(sessionmaker, "two", now)
    second = await _redeem(sessionmaker, "two", now)
    assert first is not None and second is not None
    assert (first.uses_left, second.uses_left) == (1, 0)
    assert (second.unit_id, second.role) == ("so-xd", "officer")
    assert await _redeem(sessionmaker, "two", now) is None
    async with sessionmaker() as session:
        spent = await get_invite(session, "two")
    assert spent is not None and spent.uses_left == 0


async def test_redeeming_refreshes_an_invite_already_loaded(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _create(sessionmaker, "seen", now, uses=2)
    async with sessionmaker.begin() as session:
        loaded = await get_invite(session, "seen")
        redeemed = await redeem_invite(session, "seen", at=now)
        assert loaded is redeemed and loaded is not None and loaded.uses_left == 1


async def test_an_invite_expires_at_its_instant(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    expiry = now + timedelta(hours=1)
    await _create(sessionmaker, "soon", now, uses=5, expires_at=expiry)
    assert await _redeem(sessionmaker, "soon", expiry - timedelta(microseconds=1)) is not None
    assert await _redeem(sessionmaker, "soon", expiry) is None
    assert await _redeem(sessionmaker, "soon", expiry + timedelta(days=1)) is None


async def test_a_revoked_or_unknown_code_redeems_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _create(sessionmaker, "gone", now, uses=5)
    async with sessionmaker.begin() as session:
        assert await revoke_invite(session, "gone") is True
        assert await revoke_invite(session, "never") is False
    assert await _redeem(sessionmaker, "gone", now) is None
    assert await _redeem(sessionmaker, "never", now) is None
    async with sessionmaker() as session:
        revoked = await get_invite(session, "gone")
    assert revoked is not None and revoked.revoked and revoked.uses_left == 5


async def test_invites_for_a_unit_newest_first(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _create(sessionmaker, "old", now)
    await _create(sessionmaker, "new", now + timedelta(days=1))
    await _create(sessionmaker, "other", now, unit_id="so-tc")
    await _redeem(sessionmaker, "old", now)
    async with sessionmaker() as session:
        listed = await invites_for_unit(session, "so-xd")
        none = await invites_for_unit(session, "vien-nc")
    assert [(i.code, i.uses_left) for i in listed] == [("new", 1), ("old", 0)]
    assert none == []


async def test_a_single_use_code_redeemed_twice_in_turn(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _create(sessionmaker, "once", now)
    async with sessionmaker.begin() as first:
        assert await redeem_invite(first, "once", at=now) is not None
    async with sessionmaker.begin() as second:
        assert await redeem_invite(second, "once", at=now) is None


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_racing_redemptions_of_a_single_use_code(
    sessionmaker: async_sessionmaker[AsyncSession],
    lock_waiter: Callable[[], Awaitable[None]], now: datetime,
) -> None:
    await _create(sessionmaker, "race", now)
    async with sessionmaker.begin() as first:
        assert await redeem_invite(first, "race", at=now) is not None
        # The second redemption starts while the first is uncommitted, and blocks.
        second = asyncio.create_task(_redeem(sessionmaker, "race", now))
        await lock_waiter()
        assert not second.done()
    assert await second is None


async def test_many_redeemers_at_once_get_exactly_the_uses(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _create(sessionmaker, "three", now, uses=3)
    results = await asyncio.gather(*(_redeem(sessionmaker, "three", now) for _ in range(8)))
    assert sorted(r.uses_left for r in results if r is not None) == [0, 1, 2]
    assert sum(r is None for r in results) == 5

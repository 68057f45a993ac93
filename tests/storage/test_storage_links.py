"""Linked accounts: one-time codes, joining and detaching accounts, and whom a push
reaches of a person with several accounts — on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.members import MemberRole
from storage import links
from storage.members import (
    admins,
    push_members,
    reachable_members,
    set_member_active,
    set_muted,
    upsert_member,
)
from storage.models import Member
from storage.models_channels import LinkCode
from tests.storage.test_storage_reachable import statements

Sessions = async_sessionmaker[AsyncSession]
pytestmark = pytest.mark.usefixtures("units")

DAY = date(2023, 7, 5)


async def _account(session: AsyncSession, channel: str, user: str, now: datetime,
                   unit_id: str | None = "so-xd", role: str = MemberRole.OFFICER.value,
                   ) -> Member:
    return await upsert_member(session, channel=channel, channel_user_id=user,
                               display_name=user, unit_id=unit_id, role=role,
                               chat_id=f"{channel}-{user}", at=now)


def _scripted(*codes: str) -> Iterator[str]:
    yield from codes


# --- codes -------------------------------------------------------------------------------


async def test_a_code_is_six_digits_and_expires(sessionmaker: Sessions, now: datetime) -> None:
    async with sessionmaker.begin() as session:
        member = await _account(session, "telegram", "1", now)
        code = await links.create_link_code(session, member.id, at=now)
    assert len(code.code) == 6 and code.code.isdigit()
    assert code.expires_at == now + timedelta(minutes=10)
    async with sessionmaker.begin() as session:
        late = now + timedelta(minutes=10)
        assert await links.redeem_link_code(session, code.code, at=late) is None
    async with sessionmaker.begin() as session:
        in_time = now + timedelta(minutes=9, seconds=59)
        assert await links.redeem_link_code(session, code.code, at=in_time) == member.id


async def test_a_code_is_used_once(sessionmaker: Sessions, now: datetime) -> None:
    async with sessionmaker.begin() as session:
        member = await _account(session, "telegram", "1", now)
        code = (await links.create_link_code(session, member.id, at=now)).code
    async with sessionmaker.begin() as session:
        assert await links.redeem_link_code(session, code, at=now) == member.id
    async with sessionmaker.begin() as session:
        assert await links.redeem_link_code(session, code, at=now) is None
        assert await links.redeem_link_code(session, "000000", at=now) is None


async def _redeem(sessionmaker: Sessions, code: str, at: datetime) -> int | None:
    async with sessionmaker.begin() as session:
        return await links.redeem_link_code(session, code, at=at)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_racing_redemptions_of_a_code(
    sessionmaker: Sessions, lock_waiter: Callable[[], Awaitable[None]], now: datetime,
) -> None:
    async with sessionmaker.begin() as session:
        member = await _account(session, "telegram", "1", now)
        code = (await links.create_link_code(session, member.id, at=now)).code
    async with sessionmaker.begin() as first:
        assert await links.redeem_link_code(first, code, at=now) == member.id
        # The second redemption starts while the first is uncommitted, and blocks.
        second = asyncio.create_task(_redeem(sessionmaker, code, now))
        await lock_waiter()
        assert not second.done()
    assert await second is None


async def test_a_refused_link_rolls_back_and_the_code_stays(sessionmaker: Sessions,
                                                            now: datetime) -> None:
    async with sessionmaker.begin() as session:
        member = await _account(session, "telegram", "1", now)
        code = (await links.create_link_code(session, member.id, at=now)).code
    async with sessionmaker() as session:
        assert await links.redeem_link_code(session, code, at=now) == member.id
        await session.rollback()
    async with sessionmaker.begin() as session:
        assert await links.redeem_link_code(session, code, at=now) == member.id


async def test_a_new_code_replaces_the_members_earlier_ones(sessionmaker: Sessions,
                                                            now: datetime) -> None:
    async with sessionmaker.begin() as session:
        member = await _account(session, "telegram", "1", now)
        other = await _account(session, "telegram", "2", now)
        first = (await links.create_link_code(session, member.id, at=now)).code
        theirs = (await links.create_link_code(session, other.id, at=now)).code
        second = (await links.create_link_code(session, member.id, at=now)).code
    async with sessionmaker.begin() as session:
        assert await links.redeem_link_code(session, first, at=now) is None
        assert await links.redeem_link_code(session, second, at=now) == member.id
        assert await links.redeem_link_code(session, theirs, at=now) == other.id


async def test_codes_are_unique_and_expired_ones_are_cleared(sessionmaker: Sessions,
                                                             now: datetime) -> None:
    async with sessionmaker.begin() as session:
        one = await _account(session, "telegram", "1", now)
        two = await _account(session, "telegram", "2", now)
        three = await _account(session, "telegram", "3", now)
        draws = _scripted("111111", "111111", "222222", "111111")
        assert (await links.create_link_code(session, one.id, at=now,
                                             draw=lambda: next(draws))).code == "111111"
        # Taken and still valid: drawn again.
        assert (await links.create_link_code(session, two.id, at=now,
                                             draw=lambda: next(draws))).code == "222222"
        # Once it expired, the number is free again (and the old row is gone).
        later = now + timedelta(minutes=11)
        assert (await links.create_link_code(session, three.id, at=later,
                                             draw=lambda: next(draws))).code == "111111"
        rows = (await session.execute(select(LinkCode.code, LinkCode.member_id))).all()
        assert sorted(rows) == [("111111", three.id)]
    async with sessionmaker.begin() as session:
        with pytest.raises(RuntimeError):
            await links.create_link_code(session, one.id, at=later, draw=lambda: "111111")


# --- joining and detaching ---------------------------------------------------------------


async def test_link_merge_and_unlink(sessionmaker: Sessions, now: datetime) -> None:
    async with sessionmaker.begin() as session:
        tg = await _account(session, "telegram", "1", now)
        zl = await _account(session, "zalo", "1", now)
        loc = await _account(session, "local", "1", now)
        person = await links.link_members(session, zl, tg, push_channel="telegram")
        assert person == tg.id  # the older account's id
        assert (tg.person_id, zl.person_id, tg.push_channel) == (tg.id, tg.id, "telegram")
        assert loc.person_id is None
        # A third account joins the group; the push channel is the code owner's.
        await links.link_members(session, loc, zl, push_channel="local")
        accounts = await links.person_accounts(session, zl)
        assert [a.id for a in accounts] == [tg.id, zl.id, loc.id]
        assert {a.push_channel for a in accounts} == {"local"}
        assert await links.set_push_channel(session, tg.id, None) == 3
        assert loc.push_channel is None
        assert await links.unlink_member(session, loc) is True
        assert (loc.person_id, loc.push_channel) == (None, None)
        assert await links.unlink_member(session, loc) is False
        # The last account left is on its own again.
        assert await links.unlink_member(session, zl) is True
        assert (tg.person_id, tg.push_channel) == (None, None)


async def test_merging_two_linked_groups(sessionmaker: Sessions, now: datetime) -> None:
    async with sessionmaker.begin() as session:
        a = [await _account(session, c, "a", now) for c in ("telegram", "zalo")]
        b = [await _account(session, c, "b", now) for c in ("telegram", "zalo")]
        await links.link_members(session, a[0], a[1], push_channel="telegram")
        await links.link_members(session, b[1], b[0], push_channel="zalo")
        await links.link_members(session, b[1], a[1], push_channel="zalo")
        assert {m.person_id for m in (*a, *b)} == {a[0].id}


# --- whom a push reaches -----------------------------------------------------------------


async def test_a_linked_person_is_pushed_once_on_their_channel(
        sessionmaker: Sessions, engine: AsyncEngine, now: datetime) -> None:
    async with sessionmaker.begin() as session:
        tg = await _account(session, "telegram", "1", now)
        zl = await _account(session, "zalo", "1", now)
        alone = await _account(session, "zalo", "2", now)
        boss_tg = await _account(session, "telegram", "boss", now, None, "admin")
        boss_zl = await _account(session, "zalo", "boss", now, None, "admin")
        await links.link_members(session, tg, zl, push_channel="telegram")
        await links.link_members(session, boss_tg, boss_zl, push_channel="zalo")

    async def reached() -> tuple[list[int], list[int], list[int]]:
        async with sessionmaker() as session:
            with statements(engine) as seen:
                reachable = await reachable_members(session, ["so-xd"], on=DAY)
                pushed = await push_members(session, None)
            assert len(seen) == 2  # one statement each, however many are linked
            told = await admins(session, push_only=True)
        return ([m.id for m in reachable["so-xd"]], [t.id for t in pushed],
                [m.id for m in told])

    assert await reached() == ([tg.id, alone.id], [tg.id, alone.id, boss_zl.id],
                               [boss_zl.id])
    async with sessionmaker.begin() as session:
        await links.set_push_channel(session, tg.id, "zalo")
    assert (await reached())[:2] == ([zl.id, alone.id], [zl.id, alone.id, boss_zl.id])
    async with sessionmaker.begin() as session:
        await links.set_push_channel(session, tg.id, None)  # ca-hai: both
    assert (await reached())[0] == [tg.id, zl.id, alone.id]
    async with sessionmaker() as session:
        assert len(await admins(session)) == 2  # without push_only: every admin account


async def test_an_unreachable_push_account_falls_back_to_the_other(
        sessionmaker: Sessions, now: datetime) -> None:
    async with sessionmaker.begin() as session:
        tg = await _account(session, "telegram", "1", now)
        zl = await _account(session, "zalo", "1", now)
        await links.link_members(session, tg, zl, push_channel="zalo")
        # The Zalo account blocked the bot: the platform refused a delivery.
        await set_member_active(session, zl.id, False)
    async with sessionmaker() as session:
        reachable = await reachable_members(session, ["so-xd"], on=DAY)
        assert [m.id for m in reachable["so-xd"]] == [tg.id]
        assert [t.id for t in await push_members(session, ["so-xd"])] == [tg.id]
    async with sessionmaker.begin() as session:
        await set_member_active(session, zl.id, True)
        # Muted where the pushes go: the person is muted, not moved to Telegram.
        await set_muted(session, zl.id, True)
    async with sessionmaker() as session:
        assert (await reachable_members(session, ["so-xd"], on=DAY))["so-xd"] == []
        # A broadcast ignores /mute: it goes to Zalo, once.
        assert [t.id for t in await push_members(session, ["so-xd"])] == [zl.id]
        total = await session.scalar(select(func.count()).select_from(Member))
        assert total == 2

"""The administrators' edits in storage, on SQLite and PostgreSQL: roles, removal,
member counts; units added, renamed, merged (members, groups and pending requests
move; updates stay), deactivated; the directory version other processes watch."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.members import MemberRole
from bot.units import Directory, Unit, UnitKind
from storage import chats as chat_store
from storage import join_requests as request_store
from storage import members as member_store
from storage import progress as progress_store
from storage import units as unit_store
from storage.db import session_factory


async def _member(session: AsyncSession, user: str, unit: str | None, now: datetime,
                  role: MemberRole = MemberRole.OFFICER) -> int:
    row = await member_store.upsert_member(session, channel="telegram", channel_user_id=user,
                                           display_name=user, at=now, unit_id=unit, role=role,
                                           chat_id=user)
    return row.id


async def test_roles_counts_and_removal(
    sessionmaker: async_sessionmaker[AsyncSession], units: Directory, now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        boss = await _member(session, "1", None, now, MemberRole.ADMIN)
        lan = await _member(session, "2", "so-tc", now)
        tc = await _member(session, "3", "so-tc", now)
        xd = await _member(session, "4", "so-xd", now)
    async with sessionmaker.begin() as session:
        assert await member_store.count_admins(session, lock=True) == 1
        assert await member_store.set_role(session, lan, MemberRole.LEAD)
        assert not await member_store.set_role(session, 999, MemberRole.LEAD)
    async with sessionmaker() as session:
        assert [m.id for m in await member_store.leads(session, "so-tc")] == [lan]
        assert await member_store.member_counts(session) == {None: 1, "so-tc": 2, "so-xd": 1}
    later = now + timedelta(days=1)
    async with sessionmaker.begin() as session:
        assert await member_store.remove_member(session, lan, at=later)
        assert not await member_store.remove_member(session, 999, at=later)
    async with sessionmaker() as session:
        row = await member_store.get_member_by_id(session, lan)
        assert row is not None
        assert (row.active, row.left_at, row.unit_id, row.role) == (False, later, None,
                                                                    "officer")
        assert await member_store.leads(session, "so-tc") == []
        assert await member_store.member_counts(session) == {None: 1, "so-tc": 1, "so-xd": 1}
        assert [m.id for m in await member_store.active_members(session)] == [boss, tc, xd]


async def test_escalation_leads_are_reachable_leads_only(
    sessionmaker: async_sessionmaker[AsyncSession], units: Directory, now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        lead = await _member(session, "1", "so-tc", now, MemberRole.LEAD)
        muted = await _member(session, "2", "so-tc", now, MemberRole.LEAD)
        await member_store.set_muted(session, muted, True)
        await _member(session, "3", "so-tc", now)
    async with sessionmaker() as session:
        found = await member_store.reachable_members(session, {"so-tc", "so-xd"},
                                                     on=now.date(), roles={MemberRole.LEAD})
    assert {u: [m.id for m in ms] for u, ms in found.items()} == {"so-tc": [lead], "so-xd": []}


async def test_add_and_rename_keep_the_old_name(
    sessionmaker: async_sessionmaker[AsyncSession], units: Directory, now: datetime
) -> None:
    unit = Unit("so-nv", "Sở Ngoại vụ", UnitKind.DEPARTMENT, abbreviations=("SNgV",))
    async with sessionmaker.begin() as session:
        await unit_store.add_unit(session, unit, at=now)
    async with sessionmaker.begin() as session:
        assert await unit_store.rename_unit(session, "so-nv", "Sở Ngoại vụ và Hợp tác",
                                            at=now) == "Sở Ngoại vụ"
        assert await unit_store.rename_unit(session, "nope", "X", at=now) is None
    async with sessionmaker() as session:
        renamed = (await unit_store.load_directory(session)).get("so-nv")
    assert renamed.name == "Sở Ngoại vụ và Hợp tác"
    assert renamed.abbreviations == ("SNgV",) and renamed.aliases == ("Sở Ngoại vụ",)
    # Back to the old name: it is the name again, not also an alias.
    async with sessionmaker.begin() as session:
        await unit_store.rename_unit(session, "so-nv", "Sở Ngoại vụ", at=now)
    async with sessionmaker() as session:
        back = (await unit_store.load_directory(session)).get("so-nv")
    assert back.name == "Sở Ngoại vụ" and back.aliases == ("Sở Ngoại vụ và Hợp tác",)


async def test_merge_moves_members_groups_requests_not_updates(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        officer = await _member(session, "1", "so-xd", now)
        await chat_store.upsert_chat(session, channel="telegram", channel_chat_id="-5",
                                     kind="group", title="XD", at=now)
        await chat_store.bind_chat(session, channel="telegram", channel_chat_id="-5",
                                   unit_id="so-xd", province_wide=False, bound_by="t", at=now)
        request = await request_store.open_request(
            session, channel="telegram", channel_user_id="9", chat_id="9", display_name="B",
            language=None, unit_id="so-xd", at=now)
        await progress_store.record_update(
            session, task_id=task_ids["III.1"], unit_id="so-xd", member_id=officer,
            cycle=None, text="xong", percent=None, status="done", at=now)
    async with sessionmaker.begin() as session:
        moved = await unit_store.merge_unit(session, "so-xd", "so-tc", at=now)
        assert await unit_store.merge_unit(session, "so-xd", "nope", at=now) is None
    assert moved == unit_store.Moved(members=1, chats=1, requests=1)
    async with sessionmaker() as session:
        directory = await unit_store.load_directory(session)
        assert directory.successor("so-xd") == "so-tc"
        assert [m.id for m in await member_store.members_of_unit(session, "so-tc")] == [officer]
        assert [c.channel_chat_id for c in await chat_store.bound_chats(session, "so-tc")] == [
            "-5"]
        row = await request_store.get_request(session, request.id)
        assert row is not None and row.unit_id == "so-tc"
        # The update stays where it was written, and reads for the successor.
        assert await progress_store.recent_updates(session, "so-tc", 5) == []
        both = await progress_store.recent_updates(session, {"so-tc", "so-xd"}, 5)
        assert [u.unit_id for u in both] == ["so-xd"]


async def test_deactivate_and_activate(
    sessionmaker: async_sessionmaker[AsyncSession], units: Directory, now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        assert await unit_store.set_unit_active(session, "so-xd", False, at=now)
        assert not await unit_store.set_unit_active(session, "nope", False, at=now)
    async with sessionmaker() as session:
        directory = await unit_store.load_directory(session)
    assert "so-xd" not in {u.id for u in directory.concrete_units()}
    async with sessionmaker.begin() as session:
        await unit_store.set_unit_active(session, "so-xd", True, at=now)
    async with sessionmaker() as session:
        assert (await unit_store.load_directory(session)).get("so-xd").active


async def test_directory_version_changes_on_every_bump(
    sessionmaker: async_sessionmaker[AsyncSession], units: Directory, now: datetime
) -> None:
    async with sessionmaker() as session:
        assert await unit_store.directory_version(session) is None
    seen = set()
    for _ in range(3):
        async with sessionmaker.begin() as session:
            seen.add(await unit_store.bump_directory_version(session, at=now))
        async with sessionmaker() as session:
            assert await unit_store.directory_version(session) in seen
    assert len(seen) == 3


@pytest.mark.postgres
async def test_two_admins_demoting_each_other_leave_one(
    engine: AsyncEngine, units: Directory, now: datetime, backend: str,
    lock_waiter: Callable[[], Awaitable[None]],
) -> None:
    """The count of admins locks their rows: the second transaction waits for the
    first, then sees one admin left and must not demote it."""
    if backend != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers")
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        first = await _member(session, "1", None, now, MemberRole.ADMIN)
        second = await _member(session, "2", None, now, MemberRole.ADMIN)

    async def demote(target: int, hold: asyncio.Event | None) -> bool:
        async with sessions.begin() as session:
            if await member_store.count_admins(session, lock=True) <= 1:
                return False
            await member_store.set_role(session, target, MemberRole.OFFICER)
            if hold is not None:
                await hold.wait()
            return True

    release = asyncio.Event()
    one = asyncio.create_task(demote(first, release))
    await asyncio.sleep(0.05)
    two = asyncio.create_task(demote(second, None))
    await lock_waiter()
    release.set()
    assert sorted([await one, await two]) == [False, True]
    async with sessions() as session:
        assert await member_store.count_admins(session) == 1

"""Members: one per (channel, user); an upsert refreshes, never demotes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.members import delete_member, get_member, members_of_unit, upsert_member
from storage.models import Member, MemberRole


async def test_upsert_creates_then_refreshes(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        created = await upsert_member(session, channel="telegram", channel_user_id="42",
                                      display_name="Chị Lan", at=now)
    assert (created.role, created.unit_id, created.active) == ("officer", None, True)
    assert created.created_at == now

    async with sessionmaker.begin() as session:
        await upsert_member(session, channel="telegram", channel_user_id="42",
                            display_name="Lan", at=now, unit_id="so-tc",
                            role=MemberRole.ADMIN, language="vi")
    async with sessionmaker.begin() as session:
        # A later name change leaves the unit, role and language alone.
        again = await upsert_member(session, channel="telegram", channel_user_id="42",
                                    display_name="Nguyễn Thị Lan",
                                    at=now + timedelta(days=1))
    assert (again.id, again.display_name, again.unit_id, again.role, again.language) == (
        created.id, "Nguyễn Thị Lan", "so-tc", "admin", "vi"
    )
    assert again.created_at == now

    async with sessionmaker() as session:
        found = await get_member(session, "telegram", "42")
        assert found is not None and found.id == created.id
        assert await get_member(session, "zalo", "42") is None


async def test_unknown_role_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        with pytest.raises(ValueError, match="boss"):
            await upsert_member(session, channel="local", channel_user_id="1",
                                display_name="x", at=now, role="boss")


async def test_channel_and_user_id_are_unique(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    def row() -> Member:
        return Member(channel="zalo", channel_user_id="7", display_name="A", role="officer",
                      active=True, created_at=now)

    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as session:
            session.add_all([row(), row()])
    async with sessionmaker.begin() as session:
        session.add(row())
        session.add(Member(channel="telegram", channel_user_id="7", display_name="A",
                           role="officer", active=True, created_at=now))


async def test_members_of_unit_lists_active_members(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        for user in ("1", "2", "3"):
            await upsert_member(session, channel="local", channel_user_id=user,
                                display_name=user, unit_id="so-xd", at=now)
        await upsert_member(session, channel="local", channel_user_id="4",
                            display_name="4", unit_id="so-tc", at=now)
        left = await get_member(session, "local", "2")
        assert left is not None
        left.active, left.left_at = False, now

    async with sessionmaker() as session:
        members = await members_of_unit(session, "so-xd")
    assert [m.channel_user_id for m in members] == ["1", "3"]


async def test_delete_member(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        member = await upsert_member(session, channel="local", channel_user_id="1",
                                     display_name="1", at=now)
    async with sessionmaker.begin() as session:
        assert await delete_member(session, member.id) is True
        assert await delete_member(session, member.id) is False
        assert await get_member(session, "local", "1") is None

"""Members: one per (channel, user); an upsert refreshes, never demotes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.members import MemberRole
from storage.members import (
    admins,
    delete_member,
    find_members,
    get_member,
    get_member_by_id,
    members_of_unit,
    members_with_chat,
    set_member_active,
    upsert_member,
)
from storage.models import Member


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


async def test_the_private_chat_is_kept_unless_given(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        created = await upsert_member(session, channel="zalo", channel_user_id="u1",
                                      display_name="Lan", at=now)
        assert created.chat_id is None
        learned = await upsert_member(session, channel="zalo", channel_user_id="u1",
                                      display_name="Lan", chat_id="c-77", at=now)
        assert learned.chat_id == "c-77"
    async with sessionmaker.begin() as session:
        renamed = await upsert_member(session, channel="zalo", channel_user_id="u1",
                                      display_name="Chị Lan", at=now)
        assert renamed.chat_id == "c-77"
        forgotten = await upsert_member(session, channel="zalo", channel_user_id="u1",
                                        display_name="Chị Lan", chat_id=None, at=now)
        assert forgotten.chat_id is None
    async with sessionmaker.begin() as session:
        fresh = await upsert_member(session, channel="telegram", channel_user_id="5",
                                    display_name="A", chat_id="5", at=now)
        assert fresh.chat_id == "5"


async def test_admins_are_the_active_admins(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        for channel, user, role in (("telegram", "1", "admin"), ("zalo", "2", "admin"),
                                    ("telegram", "3", "lead"), ("telegram", "4", "admin"),
                                    ("local", "5", "officer")):
            await upsert_member(session, channel=channel, channel_user_id=user,
                                display_name=user, role=role, unit_id="so-tc", at=now)
        gone = await get_member(session, "telegram", "4")
        assert gone is not None
        assert await set_member_active(session, gone.id, False, at=now) is True
    async with sessionmaker() as session:
        assert [(m.channel, m.channel_user_id) for m in await admins(session)] == [
            ("telegram", "1"), ("zalo", "2")
        ]


async def test_set_member_active(
    sessionmaker: async_sessionmaker[AsyncSession], task_ids: dict[str, int], now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        member = await upsert_member(session, channel="local", channel_user_id="1",
                                     display_name="1", unit_id="so-xd", at=now)
    left = now + timedelta(days=30)
    async with sessionmaker.begin() as session:
        assert await set_member_active(session, member.id, False, at=left) is True
        assert await set_member_active(session, member.id + 1000, False) is False
    async with sessionmaker() as session:
        former = await get_member_by_id(session, member.id)
        assert former is not None and (former.active, former.left_at) == (False, left)
        assert await members_of_unit(session, "so-xd") == []
    async with sessionmaker.begin() as session:
        assert await set_member_active(session, member.id, True) is True
        back = await get_member_by_id(session, member.id)
        assert back is not None and (back.active, back.left_at) == (True, None)
        assert await get_member_by_id(session, member.id + 1000) is None


async def test_find_members(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        for channel, user in (("telegram", "1"), ("telegram", "2"), ("zalo", "3")):
            await upsert_member(session, channel=channel, channel_user_id=user,
                                display_name=user, at=now)
    async with sessionmaker() as session:
        found = await find_members(session, "telegram", ["1", "3", "9"])
        assert await find_members(session, "telegram", []) == {}
    assert {user: member.channel for user, member in found.items()} == {"1": "telegram"}


async def test_members_with_chat(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        for channel, user, chat in (("zalo", "u1", "c1"), ("zalo", "u2", "c2"),
                                    ("telegram", "u3", "c1")):
            await upsert_member(session, channel=channel, channel_user_id=user,
                                display_name=user, chat_id=chat, at=now)
        await upsert_member(session, channel="zalo", channel_user_id="u4",
                            display_name="u4", at=now)
    async with sessionmaker() as session:
        found = await members_with_chat(session, "zalo", "c1")
        assert await members_with_chat(session, "zalo", "c9") == []
    assert [m.channel_user_id for m in found] == ["u1"]

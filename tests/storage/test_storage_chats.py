"""Chats: recorded as the bot hears from them, bound to a unit or the province,
and followed when Telegram moves a group to a new id."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.chats import (
    bind_chat,
    bound_chats,
    get_chat,
    migrate_chat,
    province_wide_chats,
    set_chat_active,
    unbind_chat,
    upsert_chat,
)
from storage.models import ChatRow

pytestmark = pytest.mark.usefixtures("units")

OLD, NEW = "-4001", "-1004001"


async def _upsert(
    sessionmaker: async_sessionmaker[AsyncSession], chat_id: str, title: str | None,
    at: datetime, *, kind: str = "group",
) -> ChatRow:
    async with sessionmaker.begin() as session:
        return await upsert_chat(session, channel="telegram", channel_chat_id=chat_id,
                                 kind=kind, title=title, at=at)


async def _bind(
    sessionmaker: async_sessionmaker[AsyncSession], chat_id: str, unit_id: str | None,
    at: datetime, *, province_wide: bool = False, by: str = "telegram:1",
) -> ChatRow | None:
    async with sessionmaker.begin() as session:
        return await bind_chat(session, channel="telegram", channel_chat_id=chat_id,
                               unit_id=unit_id, province_wide=province_wide, bound_by=by,
                               at=at)


async def _get(sessionmaker: async_sessionmaker[AsyncSession], chat_id: str) -> ChatRow | None:
    async with sessionmaker() as session:
        return await get_chat(session, "telegram", chat_id)


async def _bound(
    sessionmaker: async_sessionmaker[AsyncSession], unit_id: str
) -> list[str]:
    async with sessionmaker() as session:
        return [chat.channel_chat_id for chat in await bound_chats(session, unit_id)]


async def _province(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessionmaker() as session:
        return [chat.channel_chat_id for chat in await province_wide_chats(session)]


async def test_upsert_creates_a_new_unbound_chat(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    created = await _upsert(sessionmaker, OLD, "Sở Xây dựng", now)
    loaded = await _get(sessionmaker, OLD)
    assert loaded is not None and loaded.id == created.id
    assert (loaded.channel, loaded.kind, loaded.title, loaded.unit_id, loaded.province_wide,
            loaded.active, loaded.bound_by, loaded.created_at, loaded.updated_at) == (
        "telegram", "group", "Sở Xây dựng", None, False, True, None, now, now
    )
    async with sessionmaker() as session:
        assert await get_chat(session, "zalo", OLD) is None


async def test_upsert_refreshes_the_title_only_when_it_changed(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    first = await _upsert(sessionmaker, OLD, "Cũ", now)
    same = await _upsert(sessionmaker, OLD, "Cũ", now + timedelta(hours=1))
    assert same.updated_at == now
    renamed = await _upsert(sessionmaker, OLD, "Mới", now + timedelta(hours=2))
    assert (renamed.id, renamed.title, renamed.created_at, renamed.updated_at) == (
        first.id, "Mới", now, now + timedelta(hours=2)
    )


async def test_upsert_reactivates_and_keeps_the_binding(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _upsert(sessionmaker, OLD, "Nhóm", now)
    await _bind(sessionmaker, OLD, "so-xd", now)
    async with sessionmaker.begin() as session:
        assert await set_chat_active(session, "telegram", OLD, False, at=now) is True
    assert await _bound(sessionmaker, "so-xd") == []
    again = await _upsert(sessionmaker, OLD, "Nhóm", now + timedelta(days=1))
    assert (again.active, again.unit_id, again.bound_by) == (True, "so-xd", "telegram:1")
    assert await _bound(sessionmaker, "so-xd") == [OLD]


async def test_private_chats_and_bad_kinds(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    private = await _upsert(sessionmaker, "42", None, now, kind="private")
    assert (private.kind, private.title) == ("private", None)
    with pytest.raises(ValueError, match="channel"):
        await _upsert(sessionmaker, "43", None, now, kind="channel")


async def test_bind_and_unbind(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _upsert(sessionmaker, OLD, "Nhóm", now)
    later = now + timedelta(hours=1)
    bound = await _bind(sessionmaker, OLD, "so-xd", later, by="telegram:9")
    assert bound is not None
    assert (bound.unit_id, bound.province_wide, bound.bound_by, bound.updated_at) == (
        "so-xd", False, "telegram:9", later
    )
    rebound = await _bind(sessionmaker, OLD, "so-tc", later, province_wide=True)
    assert rebound is not None and (rebound.unit_id, rebound.province_wide) == ("so-tc", True)
    assert await _bound(sessionmaker, "so-xd") == []
    assert await _bound(sessionmaker, "so-tc") == [OLD]
    assert await _province(sessionmaker) == [OLD]

    async with sessionmaker.begin() as session:
        assert await unbind_chat(session, "telegram", OLD, at=later) is True
        assert await unbind_chat(session, "telegram", "nowhere", at=later) is False
    unbound = await _get(sessionmaker, OLD)
    assert unbound is not None
    assert (unbound.unit_id, unbound.province_wide, unbound.bound_by, unbound.active) == (
        None, False, None, True
    )
    assert await _bound(sessionmaker, "so-tc") == [] and await _province(sessionmaker) == []


async def test_binding_needs_a_known_chat_and_unit(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    assert await _bind(sessionmaker, "nowhere", "so-xd", now) is None
    await _upsert(sessionmaker, OLD, "Nhóm", now)
    with pytest.raises(IntegrityError):
        await _bind(sessionmaker, OLD, "no-such-unit", now)


async def test_set_chat_active(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _upsert(sessionmaker, OLD, "Nhóm", now)
    later = now + timedelta(days=1)
    async with sessionmaker.begin() as session:
        assert await set_chat_active(session, "telegram", OLD, True, at=later) is True
        unchanged = await get_chat(session, "telegram", OLD)
        assert unchanged is not None and unchanged.updated_at == now
        assert await set_chat_active(session, "telegram", OLD, False, at=later) is True
        assert await set_chat_active(session, "telegram", "nowhere", False, at=later) is False
    left = await _get(sessionmaker, OLD)
    assert left is not None and (left.active, left.updated_at) == (False, later)


async def test_bound_and_province_wide_chats_are_active_and_in_order(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    for chat_id in ("-1", "-2", "-3", "-4", "-5"):
        await _upsert(sessionmaker, chat_id, chat_id, now)
    await _bind(sessionmaker, "-1", "so-xd", now)
    await _bind(sessionmaker, "-2", "so-tc", now)
    await _bind(sessionmaker, "-3", "so-xd", now, province_wide=True)
    await _bind(sessionmaker, "-4", None, now, province_wide=True)
    await _bind(sessionmaker, "-5", "so-xd", now, province_wide=True)
    async with sessionmaker.begin() as session:
        await set_chat_active(session, "telegram", "-5", False, at=now)
    assert await _bound(sessionmaker, "so-xd") == ["-1", "-3"]
    assert await _bound(sessionmaker, "so-tc") == ["-2"]
    assert await _bound(sessionmaker, "vien-nc") == []
    assert await _province(sessionmaker) == ["-3", "-4"]


async def _migrate(
    sessionmaker: async_sessionmaker[AsyncSession], at: datetime
) -> ChatRow | None:
    async with sessionmaker.begin() as session:
        return await migrate_chat(session, "telegram", OLD, NEW, at=at)


async def test_migrate_moves_the_chat_to_its_new_id(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    old = await _upsert(sessionmaker, OLD, "Nhóm", now)
    await _bind(sessionmaker, OLD, "so-xd", now, province_wide=True)
    later = now + timedelta(days=1)
    moved = await _migrate(sessionmaker, later)
    assert moved is not None
    assert (moved.id, moved.channel_chat_id, moved.unit_id, moved.province_wide,
            moved.bound_by, moved.active, moved.updated_at) == (
        old.id, NEW, "so-xd", True, "telegram:1", True, later
    )
    assert await _get(sessionmaker, OLD) is None
    assert await _bound(sessionmaker, "so-xd") == [NEW]
    again = await _migrate(sessionmaker, later)  # the supergroup's own notice, later
    assert again is not None and again.id == old.id


async def test_migrate_onto_a_row_the_new_id_already_has(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _upsert(sessionmaker, OLD, "Nhóm", now)
    await _bind(sessionmaker, OLD, "so-xd", now, province_wide=True)
    new = await _upsert(sessionmaker, NEW, "Nhóm", now + timedelta(minutes=1))
    later = now + timedelta(minutes=2)
    migrated = await _migrate(sessionmaker, later)
    assert migrated is not None
    assert (migrated.id, migrated.unit_id, migrated.province_wide, migrated.bound_by,
            migrated.active, migrated.updated_at) == (
        new.id, "so-xd", True, "telegram:1", True, later
    )
    old = await _get(sessionmaker, OLD)
    assert old is not None and (old.active, old.unit_id, old.province_wide) == (
        False, None, False
    )
    assert await _bound(sessionmaker, "so-xd") == [NEW]
    assert await _province(sessionmaker) == [NEW]

    # A late message from the old id revives the row, not its pushes.
    await _upsert(sessionmaker, OLD, "Nhóm", later)
    assert await _bound(sessionmaker, "so-xd") == [NEW]
    again = await _migrate(sessionmaker, later)
    assert again is not None and again.id == new.id and again.unit_id == "so-xd"


async def test_migrate_keeps_a_binding_made_on_the_new_id(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await _upsert(sessionmaker, OLD, "Nhóm", now)
    await _bind(sessionmaker, OLD, "so-xd", now)
    await _upsert(sessionmaker, NEW, "Nhóm", now)
    await _bind(sessionmaker, NEW, "so-tc", now, by="telegram:2")
    migrated = await _migrate(sessionmaker, now)
    assert migrated is not None and (migrated.unit_id, migrated.bound_by) == (
        "so-tc", "telegram:2"
    )
    assert await _bound(sessionmaker, "so-xd") == []


async def test_migrate_an_unknown_chat(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    assert await _migrate(sessionmaker, now) is None
    new = await _upsert(sessionmaker, NEW, "Nhóm", now)
    found = await _migrate(sessionmaker, now)
    assert found is not None and found.id == new.id

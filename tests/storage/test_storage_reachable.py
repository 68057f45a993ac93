"""Who a push reaches: muted members, absences, and the chats bound to units, read
for many units at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.chats import bind_chat, bound_chats_for_units, set_chat_active, upsert_chat
from storage.members import (
    absences,
    add_absence,
    clear_absences,
    delete_member,
    get_member_by_id,
    reachable_members,
    set_member_active,
    set_muted,
    upsert_member,
)
from storage.models import Member
from storage.models_reminders import MemberAbsence

Sessions = async_sessionmaker[AsyncSession]
pytestmark = pytest.mark.usefixtures("units")

DAY = date(2023, 7, 5)


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements run on ``engine`` inside the block."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def _member(
    session: AsyncSession, user: str, unit_id: str | None, now: datetime,
    chat_id: str | None = "chat",
) -> Member:
    return await upsert_member(session, channel="telegram", channel_user_id=user,
                               display_name=user, unit_id=unit_id,
                               chat_id=None if chat_id is None else f"{chat_id}-{user}", at=now)


async def test_set_muted(sessionmaker: Sessions, now: datetime) -> None:
    async with sessionmaker.begin() as session:
        member = await _member(session, "1", "so-xd", now)
        assert member.muted is False
        assert await set_muted(session, member.id, True) is True
        assert member.muted is True  # the loaded row follows
        assert await set_muted(session, member.id + 100, True) is False
    async with sessionmaker.begin() as session:
        found = await get_member_by_id(session, member.id)
        assert found is not None and found.muted is True
        assert await set_muted(session, member.id, False) is True
    async with sessionmaker() as session:
        found = await get_member_by_id(session, member.id)
        assert found is not None and found.muted is False


async def test_absences(sessionmaker: Sessions, now: datetime) -> None:
    async with sessionmaker.begin() as session:
        member = await _member(session, "1", "so-xd", now)
        other = await _member(session, "2", "so-xd", now)
        late = await add_absence(session, member.id, date(2023, 8, 1), date(2023, 8, 10), at=now)
        early = await add_absence(session, member.id, DAY, DAY, at=now)
        await add_absence(session, other.id, DAY, date(2023, 7, 6), at=now)
        assert (late.member_id, late.starts, late.ends, late.created_at) == (
            member.id, date(2023, 8, 1), date(2023, 8, 10), now
        )
        with pytest.raises(ValueError, match="before it starts"):
            await add_absence(session, member.id, DAY, date(2023, 7, 4), at=now)
    async with sessionmaker.begin() as session:
        assert [a.id for a in await absences(session, member.id)] == [early.id, late.id]
        assert await clear_absences(session, member.id) == 2
        assert await clear_absences(session, member.id) == 0
        assert await absences(session, member.id) == []
        assert len(await absences(session, other.id)) == 1
    # The schema refuses a backwards absence too, and forgets them with the member.
    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as session:
            session.add(MemberAbsence(member_id=other.id, starts=DAY, ends=date(2023, 7, 1),
                                      created_at=now))
    async with sessionmaker.begin() as session:
        assert await delete_member(session, other.id)
        assert await absences(session, other.id) == []


async def test_reachable_members(
    sessionmaker: Sessions, engine: AsyncEngine, now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        ids = {user: (await _member(session, user, unit, now, chat)).id for user, unit, chat in (
            ("plain", "so-xd", "c"), ("muted", "so-xd", "c"), ("left", "so-xd", "c"),
            ("no-chat", "so-xd", None), ("away", "so-xd", "c"), ("back", "so-xd", "c"),
            ("not-yet", "so-xd", "c"), ("tc", "so-tc", "c"), ("other", "vien-nc", "c"),
            ("no-unit", None, "c"), ("second", "so-xd", "c"),
        )}
        await set_muted(session, ids["muted"], True)
        await set_member_active(session, ids["left"], False, at=now)
        # Absences cover their first and last days, and only those in between.
        await add_absence(session, ids["away"], date(2023, 7, 1), DAY, at=now)
        await add_absence(session, ids["away"], DAY, date(2023, 7, 9), at=now)
        await add_absence(session, ids["back"], date(2023, 7, 1), date(2023, 7, 4), at=now)
        await add_absence(session, ids["not-yet"], date(2023, 7, 6), date(2023, 7, 9), at=now)

    async with sessionmaker() as session:
        with statements(engine) as seen:
            reached = await reachable_members(session, ["so-xd", "so-tc", "to-cg-1"], on=DAY)
        assert len(seen) == 1  # one query, however many units and members
        assert await reachable_members(session, [], on=DAY) == {}
        on_the_first = await reachable_members(session, ["so-xd"], on=date(2023, 7, 1))
    assert {unit: [m.channel_user_id for m in members] for unit, members in reached.items()} \
        == {"so-xd": ["plain", "back", "not-yet", "second"], "so-tc": ["tc"], "to-cg-1": []}
    assert [m.channel_user_id for m in on_the_first["so-xd"]] == [
        "plain", "not-yet", "second"
    ]


async def test_bound_chats_for_units(
    sessionmaker: Sessions, engine: AsyncEngine, now: datetime
) -> None:
    async with sessionmaker.begin() as session:
        for chat_id, unit_id, province_wide in (
            ("-1", "so-xd", False), ("-2", "so-tc", False), ("-3", "so-xd", True),
            ("-4", None, True), ("-5", "so-xd", False), ("-6", "vien-nc", False),
        ):
            await upsert_chat(session, channel="telegram", channel_chat_id=chat_id,
                              kind="group", title=chat_id, at=now)
            await bind_chat(session, channel="telegram", channel_chat_id=chat_id,
                            unit_id=unit_id, province_wide=province_wide,
                            bound_by="telegram:1", at=now)
        await upsert_chat(session, channel="telegram", channel_chat_id="-7", kind="group",
                          title="unbound", at=now)
        await set_chat_active(session, "telegram", "-5", False, at=now)

    async with sessionmaker() as session:
        with statements(engine) as seen:
            bound = await bound_chats_for_units(session, ["so-xd", "so-tc", "to-cg-1"])
        assert len(seen) == 1
        assert await bound_chats_for_units(session, []) == {}
    assert {unit: [c.channel_chat_id for c in chats] for unit, chats in bound.items()} == {
        "so-xd": ["-1", "-3"], "so-tc": ["-2"], "to-cg-1": []
    }

"""Members: the people who talk to the bot, one row per (channel, user)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.members import MemberRole
from storage.models import Member


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
"""Default of ``upsert_member`` fields: on an existing member, leave the field as is."""


async def get_member(session: AsyncSession, channel: str, channel_user_id: str) -> Member | None:
    return await session.scalar(
        select(Member).where(Member.channel == channel, Member.channel_user_id == channel_user_id)
    )


async def upsert_member(
    session: AsyncSession,
    *,
    channel: str,
    channel_user_id: str,
    display_name: str,
    at: datetime,
    unit_id: str | _Keep | None = KEEP,
    role: str | _Keep = KEEP,  # a MemberRole value
    language: str | _Keep | None = KEEP,
) -> Member:
    """Create the member, or refresh their display name and the fields given.

    Fields left at ``KEEP`` are not touched on an existing member (a name change
    must not demote an admin); a new member gets no unit, role officer, no language.
    ``at`` is the creation time of a new member.
    """
    member = await get_member(session, channel, channel_user_id)
    given: dict[str, Any] = {
        name: value
        for name, value in (("unit_id", unit_id), ("role", role), ("language", language))
        if value is not KEEP
    }
    if "role" in given:
        given["role"] = MemberRole(given["role"]).value
    if member is None:
        member = Member(
            channel=channel,
            channel_user_id=channel_user_id,
            display_name=display_name,
            unit_id=None,
            role=MemberRole.OFFICER.value,
            language=None,
            active=True,
            created_at=at,
            left_at=None,
        )
        session.add(member)
    member.display_name = display_name
    for name, value in given.items():
        setattr(member, name, value)
    await session.flush()
    return member


async def members_of_unit(session: AsyncSession, unit_id: str) -> list[Member]:
    """Active members of the unit, oldest first."""
    return list(await session.scalars(
        select(Member).where(Member.unit_id == unit_id, Member.active).order_by(Member.id)
    ))


async def delete_member(session: AsyncSession, member_id: int) -> bool:
    """Remove a member for good (e.g. on request); their progress updates stay with
    their unit, with ``member_id`` NULL. To keep them as a former member instead,
    set ``active = False`` and ``left_at``."""
    result = await session.execute(
        delete(Member).where(Member.id == member_id).returning(Member.id)
    )
    return result.scalar_one_or_none() is not None

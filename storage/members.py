"""Members: the people who talk to the bot, one row per (channel, user)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from enum import Enum
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.members import MemberRole
from storage.models import Member
from storage.models_reminders import MemberAbsence


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
    chat_id: str | _Keep | None = KEEP,
) -> Member:
    """Create the member, or refresh their display name and the fields given.

    Fields left at ``KEEP`` are not touched on an existing member (a name change
    must not demote an admin); a new member gets no unit, role officer, no language
    and no private chat.
    ``at`` is the creation time of a new member.
    """
    member = await get_member(session, channel, channel_user_id)
    given: dict[str, Any] = {
        name: value
        for name, value in (
            ("unit_id", unit_id), ("role", role), ("language", language), ("chat_id", chat_id)
        )
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
            chat_id=None,
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


async def get_member_by_id(session: AsyncSession, member_id: int) -> Member | None:
    return await session.get(Member, member_id)


async def find_members(
    session: AsyncSession, channel: str, channel_user_ids: Collection[str]
) -> dict[str, Member]:
    """The known ones among ``channel_user_ids`` (say, the people in a group), by user id."""
    if not channel_user_ids:
        return {}
    members = await session.scalars(
        select(Member).where(
            Member.channel == channel, Member.channel_user_id.in_(list(channel_user_ids))
        )
    )
    return {member.channel_user_id: member for member in members}


async def members_with_chat(session: AsyncSession, channel: str, chat_id: str) -> list[Member]:
    """The members whose private chat is ``chat_id`` (for a chat that stopped
    accepting messages), oldest first."""
    return list(await session.scalars(
        select(Member)
        .where(Member.channel == channel, Member.chat_id == chat_id)
        .order_by(Member.id)
    ))


def on_push_channel() -> ColumnElement[bool]:
    """True for the accounts a person's pushes go to: every account of a person with
    one account (no ``person_id``) or who chose all of them (no ``push_channel``);
    otherwise the account on the chosen channel only, so a linked person hears a
    reminder once.

    Should the chosen account be unreachable (inactive: blocked the bot, or removed;
    or without a private chat), the person's other accounts get the pushes instead:
    a fallback, rather than silence. A muted or away chosen account is reachable and
    silences the person. A correlated EXISTS on the indexed ``person_id``, so the
    queries that use it stay one statement."""
    chosen = aliased(Member)
    chosen_reachable = exists().where(
        chosen.person_id == Member.person_id,
        chosen.channel == Member.push_channel,
        chosen.active,
        chosen.chat_id.is_not(None),
    )
    return or_(Member.person_id.is_(None), Member.push_channel.is_(None),
               Member.channel == Member.push_channel, ~chosen_reachable)


async def admins(session: AsyncSession, *, push_only: bool = False) -> list[Member]:
    """Active admins on every channel, oldest first: who hears about join requests.
    ``push_only``: of a linked admin, only the account their pushes go to."""
    query = select(Member).where(Member.role == MemberRole.ADMIN.value, Member.active)
    if push_only:
        query = query.where(on_push_channel())
    return list(await session.scalars(query.order_by(Member.id)))


async def leads(session: AsyncSession, unit_id: str, *,
                push_only: bool = False) -> list[Member]:
    """The unit's active leads, oldest first: who decides its join requests with the
    admins. ``push_only`` as for ``admins``."""
    query = select(Member).where(
        Member.unit_id == unit_id, Member.role == MemberRole.LEAD.value, Member.active)
    if push_only:
        query = query.where(on_push_channel())
    return list(await session.scalars(query.order_by(Member.id)))


async def set_member_active(
    session: AsyncSession, member_id: int, active: bool, *, at: datetime | None = None
) -> bool:
    """Deactivate a member who left (stamping ``left_at`` with ``at`` when given) or
    bring them back (clearing it). False when there is no such member."""
    member = await session.get(Member, member_id)
    if member is None:
        return False
    member.active = active
    if not active and at is not None:
        member.left_at = at
    elif active:
        member.left_at = None
    await session.flush()
    return True


async def members_of_unit(session: AsyncSession, unit_id: str) -> list[Member]:
    """Active members of the unit, oldest first."""
    return list(await session.scalars(
        select(Member).where(Member.unit_id == unit_id, Member.active).order_by(Member.id)
    ))


# --- Administration: roles, removal, who is where --------------------------------------


async def active_members(session: AsyncSession) -> list[Member]:
    """Every active member on every channel, oldest first (a name search reads these)."""
    return list(await session.scalars(
        select(Member).where(Member.active).order_by(Member.id)
    ))


async def member_counts(session: AsyncSession) -> dict[str | None, int]:
    """How many active members each unit has; ``None`` counts those without a unit."""
    rows = await session.execute(
        select(Member.unit_id, func.count()).where(Member.active).group_by(Member.unit_id)
    )
    return {unit_id: count for unit_id, count in rows}


async def count_admins(session: AsyncSession, *, lock: bool = False) -> int:
    """Active admins. ``lock`` holds their rows until the transaction ends (PostgreSQL;
    SQLite serialises writers anyway), so two admins demoting each other at the same
    moment cannot both see "there is another admin" and leave none."""
    query = select(Member.id).where(Member.role == MemberRole.ADMIN.value, Member.active)
    if lock:
        query = query.with_for_update()
    return len((await session.scalars(query)).all())


async def set_role(session: AsyncSession, member_id: int, role: MemberRole) -> bool:
    """Give the member ``role``; False when there is no such member."""
    member = await session.get(Member, member_id)
    if member is None:
        return False
    member.role = MemberRole(role).value
    await session.flush()
    return True


async def remove_member(session: AsyncSession, member_id: int, *, at: datetime) -> bool:
    """An admin or lead removed the member from their unit: inactive, ``left_at``
    stamped, no unit and no rights left. The row stays, so their progress updates
    keep their author (and stay with the unit, which each update names itself).

    Writing again does not bring them back (``Services.member`` tells them from a
    member the platform could not reach, whose ``left_at`` is NULL); an invite or an
    approved request does. False when unknown.
    """
    member = await session.get(Member, member_id)
    if member is None:
        return False
    member.active, member.left_at = False, at
    member.unit_id, member.role = None, MemberRole.OFFICER.value
    await session.flush()
    return True


async def move_members(session: AsyncSession, from_unit: str, to_unit: str) -> int:
    """Every member of ``from_unit`` (active or not) now belongs to ``to_unit``: a
    merge. How many moved."""
    result = await session.execute(
        update(Member).where(Member.unit_id == from_unit).values(unit_id=to_unit)
        .returning(Member.id),
        execution_options={"synchronize_session": "fetch"},
    )
    return len(result.all())


async def delete_member(session: AsyncSession, member_id: int) -> bool:
    """Remove a member for good (e.g. on request); their progress updates stay with
    their unit, with ``member_id`` NULL. To keep them as a former member instead,
    set ``active = False`` and ``left_at``."""
    result = await session.execute(
        delete(Member).where(Member.id == member_id).returning(Member.id)
    )
    return result.scalar_one_or_none() is not None


# --- Who gets pushes ----------------------------------------------------------------


async def set_muted(session: AsyncSession, member_id: int, muted: bool) -> bool:
    """Stop (or resume) pushes to a member who stays a member; False when unknown."""
    result = await session.execute(
        update(Member)
        .where(Member.id == member_id)
        .values(muted=muted)
        .returning(Member.id),
        execution_options={"synchronize_session": "fetch"},
    )
    return result.scalar_one_or_none() is not None


async def add_absence(
    session: AsyncSession, member_id: int, starts: date, ends: date, *, at: datetime
) -> MemberAbsence:
    """Record that the member is away from ``starts`` to ``ends``, both included.
    Overlapping absences are fine: a day is away when any absence covers it."""
    if ends < starts:
        raise ValueError(f"an absence cannot end ({ends}) before it starts ({starts})")
    absence = MemberAbsence(member_id=member_id, starts=starts, ends=ends, created_at=at)
    session.add(absence)
    await session.flush()
    return absence


async def absences(session: AsyncSession, member_id: int) -> list[MemberAbsence]:
    """The member's absences, earliest first."""
    return list(await session.scalars(
        select(MemberAbsence)
        .where(MemberAbsence.member_id == member_id)
        .order_by(MemberAbsence.starts, MemberAbsence.id)
    ))


async def clear_absences(session: AsyncSession, member_id: int) -> int:
    """Forget every absence of the member (they are back early); how many."""
    result = await session.execute(
        delete(MemberAbsence).where(MemberAbsence.member_id == member_id)
        .returning(MemberAbsence.id)
    )
    return len(result.all())


async def reachable_members(
    session: AsyncSession, unit_ids: Collection[str], *, on: date,
    roles: Collection[MemberRole] | None = None,
) -> dict[str, list[Member]]:
    """The members a private push for each unit reaches on day ``on``, oldest first:
    active, not muted, with a private chat, not away that day, and of a linked
    person only the account on their push channel (and, given
    ``roles``, holding one of them: the leads who hear of their unit's escalations).

    One query for every unit, absences included (a reminder goes to thousands of
    members); every unit asked for has a list, empty when nobody is reachable.
    """
    reached: dict[str, list[Member]] = {unit_id: [] for unit_id in unit_ids}
    if not reached:
        return reached
    away = exists().where(
        MemberAbsence.member_id == Member.id,
        MemberAbsence.starts <= on,
        MemberAbsence.ends >= on,
    )
    query = select(Member).where(
        Member.unit_id.in_(list(reached)),
        Member.active,
        ~Member.muted,
        Member.chat_id.is_not(None),
        ~away,
        on_push_channel(),
    )
    if roles is not None:
        query = query.where(Member.role.in_([MemberRole(r).value for r in roles]))
    members = await session.scalars(query.order_by(Member.id))
    for member in members:
        if member.unit_id is not None:
            reached[member.unit_id].append(member)
    return reached


class PushTarget(NamedTuple):
    """Where a member's private messages go: the few columns a broadcast needs."""

    id: int
    channel: str
    chat_id: str
    language: str | None


async def push_members(session: AsyncSession,
                       unit_ids: Collection[str] | None) -> list[PushTarget]:
    """The members a broadcast reaches privately, oldest first: active, with a private
    chat, of a linked person only the account on their push channel; of
    ``unit_ids``, or everyone with ``None``. Muted and away members are
    included: /mute silences reminders, not an admin's instructions, and a message
    waits in the chat of someone on leave.

    Columns, not ``Member`` objects: a broadcast to everyone reads 10,000 rows, and
    building that many ORM objects holds the event loop for a tenth of a second or
    more, while other people wait for their answers (docs/benchmarks.md, issue 5)."""
    query = select(Member.id, Member.channel, Member.chat_id, Member.language).where(
        Member.active, Member.chat_id.is_not(None), on_push_channel())
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(Member.unit_id.in_(list(unit_ids)))
    rows = await session.execute(query.order_by(Member.id))
    return [PushTarget(member_id, channel, chat_id or "", language)
            for member_id, channel, chat_id, language in rows]

"""Invites: a code that puts whoever redeems it into a unit with a role."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.members import MemberRole
from storage.models import Invite

# What a Telegram deep link (t.me/bot?start=<code>) can carry; the schema checks it too.
CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


async def create_invite(
    session: AsyncSession,
    *,
    code: str,
    unit_id: str,
    role: MemberRole | str = MemberRole.OFFICER,
    uses: int = 1,
    expires_at: datetime | None = None,
    created_by: str,
    at: datetime,
) -> Invite:
    """Store a new invite. A code already taken raises ``IntegrityError``."""
    if not CODE_PATTERN.fullmatch(code):
        raise ValueError(f"invite code must be 1-64 of [A-Za-z0-9_-], got {code!r}")
    if uses < 1:
        raise ValueError(f"an invite needs at least one use, got {uses}")
    invite = Invite(
        code=code,
        unit_id=unit_id,
        role=MemberRole(role).value,
        uses_left=uses,
        expires_at=expires_at,
        revoked=False,
        created_by=created_by,
        created_at=at,
    )
    session.add(invite)
    await session.flush()
    return invite


async def redeem_invite(session: AsyncSession, code: str, *, at: datetime) -> Invite | None:
    """Consume one use of a valid invite and return it; None when the code is
    unknown, revoked, used up or expired at ``at``.

    One conditional UPDATE, not "read, check, write": on PostgreSQL a second
    transaction redeeming the same code waits for the first's row lock, then
    re-checks ``uses_left > 0`` against the committed row, so a single-use code
    cannot be redeemed twice. SQLite serialises writers, with the same outcome.
    """
    statement = (
        update(Invite)
        .where(
            Invite.code == code,
            Invite.revoked.is_(False),
            Invite.uses_left > 0,
            or_(Invite.expires_at.is_(None), Invite.expires_at > at),
        )
        .values(uses_left=Invite.uses_left - 1)
        .returning(Invite)
        # An Invite already in this session must show the new uses_left.
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(statement)).one_or_none()


async def get_invite(session: AsyncSession, code: str) -> Invite | None:
    return await session.get(Invite, code)


async def revoke_invite(session: AsyncSession, code: str) -> bool:
    """Make the code unusable; False when there is no such code."""
    invite = await session.get(Invite, code)
    if invite is None:
        return False
    invite.revoked = True
    await session.flush()
    return True


async def invites_for_unit(session: AsyncSession, unit_id: str) -> list[Invite]:
    """Every invite into the unit, spent and revoked ones too, newest first."""
    return list(await session.scalars(
        select(Invite)
        .where(Invite.unit_id == unit_id)
        .order_by(Invite.created_at.desc(), Invite.code)
    ))

"""Linked accounts: one person on several platforms. A one-time code shown by one
account (/link) and sent back by the other joins them; every account of the person
then carries the same ``person_id`` and the same ``push_channel``."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member
from storage.models_channels import LinkCode

CODE_LIFETIME = timedelta(minutes=10)
CODE_DIGITS = 6
_ATTEMPTS = 20


def draw_code() -> str:
    """Six random digits: easy to type on a phone, on any platform."""
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


async def create_link_code(
    session: AsyncSession, member_id: int, *, at: datetime,
    lifetime: timedelta = CODE_LIFETIME, draw: Callable[[], str] = draw_code,
) -> LinkCode:
    """A new code for the member, valid for ``lifetime`` from ``at``. The member's
    earlier codes stop working (only the newest one shown is valid), and expired
    codes of anyone are cleared, so a code number is free again once it expired."""
    await session.execute(
        delete(LinkCode).where(or_(LinkCode.member_id == member_id, LinkCode.expires_at <= at)))
    for _ in range(_ATTEMPTS):
        code = draw()
        if await session.scalar(select(LinkCode.code).where(LinkCode.code == code)):
            continue  # someone else's code, still valid
        row = LinkCode(code=code, member_id=member_id, created_at=at, expires_at=at + lifetime)
        try:
            # A savepoint: another process may take the same number between the
            # check and the insert; the primary key tells, and we draw again.
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:
            continue
        return row
    raise RuntimeError(f"no free link code after {_ATTEMPTS} draws")


async def redeem_link_code(session: AsyncSession, code: str, *, at: datetime) -> int | None:
    """Use the code up and return the member who asked for it; None when it is
    unknown, already used or expired at ``at``.

    One DELETE … RETURNING: on PostgreSQL a second transaction redeeming the same
    code waits for the first's row lock and then deletes nothing; SQLite serialises
    writers. A caller that refuses the link after all rolls back, and the code is
    valid again.
    """
    result = await session.execute(
        delete(LinkCode)
        .where(LinkCode.code == code.strip(), LinkCode.expires_at > at)
        .returning(LinkCode.member_id)
    )
    member_id: int | None = result.scalar_one_or_none()
    return member_id


async def person_accounts(session: AsyncSession, member: Member) -> list[Member]:
    """Every account of the member's person, oldest first; the member alone when
    not linked."""
    if member.person_id is None:
        return [member]
    return list(await session.scalars(
        select(Member).where(Member.person_id == member.person_id).order_by(Member.id)))


async def _accounts_where(session: AsyncSession,
                          condition: ColumnElement[bool]) -> list[Member]:
    # Rows, not a bulk UPDATE: a person has two or three accounts, and the caller's
    # loaded rows then show the change.
    return list(await session.scalars(select(Member).where(condition).order_by(Member.id)))


async def link_members(session: AsyncSession, first: Member, second: Member, *,
                       push_channel: str | None) -> int:
    """Make ``first`` and ``second`` (and every account already linked to either)
    one person: the same ``person_id``, the smallest id among them (the oldest
    account's), and the same ``push_channel``. The person id."""
    ids = {first.id, second.id}
    groups = {p for p in (first.person_id, second.person_id) if p is not None}
    person_id = min(ids | groups)
    condition: ColumnElement[bool] = Member.id.in_(ids)
    if groups:
        condition = or_(condition, Member.person_id.in_(groups))
    for account in await _accounts_where(session, condition):
        account.person_id, account.push_channel = person_id, push_channel
    await session.flush()
    return person_id


async def unlink_member(session: AsyncSession, member: Member) -> bool:
    """Detach the account from its person; False when it was not linked. The last
    account left behind is a person of one account again (no person id, pushes on
    its own channel)."""
    person_id = member.person_id
    if person_id is None:
        return False
    member.person_id, member.push_channel = None, None
    await session.flush()
    rest = await _accounts_where(session, Member.person_id == person_id)
    if len(rest) == 1:
        rest[0].person_id, rest[0].push_channel = None, None
        await session.flush()
    return True


async def set_push_channel(session: AsyncSession, person_id: int,
                           channel: str | None) -> int:
    """Where the person's pushes go, on every account of theirs (None: all of them);
    how many accounts."""
    accounts = await _accounts_where(session, Member.person_id == person_id)
    for account in accounts:
        account.push_channel = channel
    await session.flush()
    return len(accounts)

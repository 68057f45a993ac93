"""One person, several platforms: a one-time code joins a Telegram and a Zalo account
into one person, so reminders and notices reach them once, on the channel they chose.

A link copies nothing but membership: an account that was no member yet joins the
unit of the account that showed the code, with its role and language; an account
that is a member already must be of the same unit. Progress updates stay with the
unit and their author's account, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.members import Member, MemberRole
from bot.services import Services, member_view
from bot.usecases.audit import AuditLog, Outcome
from storage import join_requests as request_store
from storage import links as link_store
from storage import members as member_store
from storage.models import Member as MemberRow


class LinkRefusal(StrEnum):
    INVALID_CODE = "invalid_code"  # unknown, used or expired: all look the same
    SAME_CHANNEL = "same_channel"  # the code is from an account on this platform
    NOT_A_MEMBER = "not_a_member"  # the account that showed the code left
    OTHER_UNIT = "other_unit"
    ALREADY_LINKED = "already_linked"


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class Linked:
    """The outcome of sending a code: linked (``refusal`` None) or refused, and why."""

    refusal: LinkRefusal | None
    member: Member | None = None  # the account that sent the code, as it is now
    other: Member | None = None  # the account that showed it
    push_channel: str | None = None
    joined: bool = False  # the sending account became a member by this link


@dataclass(frozen=True)
class Person:
    accounts: tuple[Member, ...]  # oldest first
    push_channel: str | None  # None: every account

    @property
    def linked(self) -> bool:
        return len(self.accounts) > 1

    @property
    def channels(self) -> list[str]:
        return sorted({account.channel for account in self.accounts})


class _Refused(Exception):
    """Raised inside the transaction, so that a refusal leaves the code unused."""

    def __init__(self, refusal: LinkRefusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


def _is_member(row: MemberRow | None) -> bool:
    return row is not None and row.active and (
        row.unit_id is not None or row.role == MemberRole.ADMIN.value)


class Links:
    """Every link and unlink is in the audit log: linking gives the new account the
    owner's role (an admin's code makes a second admin account of the same person)."""

    def __init__(self, services: Services, audit: AuditLog) -> None:
        self.services = services
        self.audit = audit

    async def create_code(self, member: Member, now: datetime) -> IssuedCode:
        """A new code for the member; their earlier ones stop working."""
        async with self.services.sessions.begin() as session:
            row = await link_store.create_link_code(session, member.id, at=now)
            return IssuedCode(row.code, row.expires_at)

    async def redeem(self, code: str, *, channel: str, user_id: str, chat_id: str,
                     display_name: str, now: datetime) -> Linked:
        """Link the sender's account (``chat_id`` its private chat) to the account
        that showed ``code``. A refusal changes nothing, and the code stays valid
        unless it is the reason."""
        actor = f"{channel}:{user_id}"
        try:
            async with self.services.sessions.begin() as session:
                linked = await self._redeem(session, code, channel=channel, user_id=user_id,
                                            chat_id=chat_id, display_name=display_name,
                                            now=now)
                assert linked.member is not None and linked.other is not None
                await self.audit.record(
                    actor=actor, action="member.link", at=now, target=str(linked.other.id),
                    detail={"account": linked.member.id, "joined": linked.joined,
                            "role": str(linked.other.role)}, session=session)
                return linked
        except _Refused as refused:
            await self.audit.record(actor=actor, action="member.link", at=now,
                                    detail={"refused": str(refused.refusal)},
                                    outcome=Outcome.DENIED)
            return Linked(refused.refusal)

    async def _redeem(self, session: AsyncSession, code: str, *, channel: str, user_id: str,
                      chat_id: str, display_name: str, now: datetime) -> Linked:
        owner_id = await link_store.redeem_link_code(session, code, at=now)
        if owner_id is None:
            raise _Refused(LinkRefusal.INVALID_CODE)
        owner = await member_store.get_member_by_id(session, owner_id)
        if owner is None or not _is_member(owner):
            raise _Refused(LinkRefusal.NOT_A_MEMBER)
        if owner.channel == channel:
            raise _Refused(LinkRefusal.SAME_CHANNEL)
        row = await member_store.get_member(session, channel, user_id)
        joined = not _is_member(row)
        if row is not None and not joined:
            if row.unit_id != owner.unit_id:
                raise _Refused(LinkRefusal.OTHER_UNIT)
            if row.person_id is not None and row.person_id == owner.person_id:
                raise _Refused(LinkRefusal.ALREADY_LINKED)
            row.chat_id = chat_id
        else:
            row = await member_store.upsert_member(
                session, channel=channel, channel_user_id=user_id, display_name=display_name,
                at=now, unit_id=owner.unit_id, role=owner.role, chat_id=chat_id,
                language=owner.language if owner.language else member_store.KEEP)
            row.active, row.left_at = True, None  # back, should they have been removed
            # A member now: an open join request of this account is moot.
            await request_store.cancel_pending(session, channel, user_id, at=now)
        # One channel by default, not both: the one the person asked for the code on.
        await link_store.link_members(session, owner, row, push_channel=owner.channel)
        return Linked(None, member_view(row), member_view(owner), owner.channel, joined)

    async def person(self, member: Member) -> Person:
        async with self.services.sessions() as session:
            row = await member_store.get_member_by_id(session, member.id)
            if row is None:
                return Person((member,), None)
            accounts = await link_store.person_accounts(session, row)
            return Person(tuple(member_view(a) for a in accounts), row.push_channel)

    async def unlink(self, member: Member, now: datetime) -> bool:
        """Detach this account from its person; False when it was not linked."""
        async with self.services.sessions.begin() as session:
            row = await member_store.get_member_by_id(session, member.id)
            if row is None or not await link_store.unlink_member(session, row):
                return False
            await self.audit.record(actor=f"{row.channel}:{row.channel_user_id}",
                                    action="member.unlink", at=now, target=str(row.id),
                                    session=session)
            return True

    async def set_push_channel(self, member: Member, channel: str | None) -> bool:
        """Pushes to the person's account on ``channel`` (None: every account); False
        when the account is not linked or the person has no account there."""
        async with self.services.sessions.begin() as session:
            row = await member_store.get_member_by_id(session, member.id)
            if row is None or row.person_id is None:
                return False
            accounts = await link_store.person_accounts(session, row)
            if channel is not None and channel not in {a.channel for a in accounts}:
                return False
            await link_store.set_push_channel(session, row.person_id, channel)
            return True

"""Who may see a unit's tasks: invites, join requests and their approval, language,
leaving. An officer sees nothing of any unit until an invite or an admin says so."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.members import Member, MemberRole
from bot.services import Services, member_view
from bot.usecases.audit import AuditLog, Outcome
from storage import invites as invite_store
from storage import join_requests as request_store
from storage import members as member_store
from storage.models import JoinRequest as JoinRequestRow

DEFAULT_INVITE_LIFETIME = timedelta(days=7)


def new_invite_code() -> str:
    """12 URL-safe characters: fits Telegram's deep-link payload (≤ 64 of
    A-Za-z0-9_-) and is short enough to type on Zalo, where there are no links."""
    return secrets.token_urlsafe(9)


@dataclass(frozen=True)
class Invite:
    code: str
    unit_id: str
    uses: int
    expires_at: datetime | None


@dataclass(frozen=True)
class JoinRequest:
    id: int
    channel: str
    user_id: str
    chat_id: str
    display_name: str
    language: str | None
    unit_id: str
    status: str


@dataclass(frozen=True)
class Decision:
    request: JoinRequest
    approved: bool
    member: Member | None  # the new member when approved


def _request(row: JoinRequestRow) -> JoinRequest:
    return JoinRequest(row.id, row.channel, row.channel_user_id, row.chat_id,
                       row.display_name or "", row.language, row.unit_id, row.status)


class Onboarding:
    def __init__(self, services: Services, audit: AuditLog | None = None) -> None:
        self.services = services
        self.audit = audit or AuditLog(services)

    async def create_invite(self, unit_id: str, *, created_by: str, now: datetime,
                            uses: int = 1,
                            lifetime: timedelta | None = DEFAULT_INVITE_LIFETIME) -> Invite:
        if uses < 1:
            raise ValueError("an invite needs at least one use")
        unit_id = self.services.directory.successor(unit_id)
        expires_at = now + lifetime if lifetime is not None else None
        code = new_invite_code()
        async with self.services.sessions.begin() as session:
            await invite_store.create_invite(
                session, code=code, unit_id=unit_id, uses=uses, expires_at=expires_at,
                created_by=created_by, at=now)
            # Not the code: it admits whoever holds it, and the log is read by many.
            await self.audit.record(
                actor=created_by, action="invite.create", target=f"unit:{unit_id}", at=now,
                detail={"uses": uses,
                        "expires_at": expires_at.isoformat() if expires_at else None},
                session=session)
        return Invite(code, unit_id, uses, expires_at)

    async def redeem(self, code: str, *, channel: str, user_id: str, chat_id: str,
                     display_name: str, language: str | None, now: datetime) -> Member | None:
        """Join the invite's unit at once; None when the code is unknown, used up,
        expired or revoked (all look the same to the person holding it)."""
        async with self.services.sessions.begin() as session:
            invite = await invite_store.redeem_invite(session, code, at=now)
            if invite is None:
                return None
            existing = await member_store.get_member(session, channel, user_id)
            # An invite never demotes: an admin who follows a link stays an admin.
            role = invite.role
            if existing is not None and existing.role == MemberRole.ADMIN.value:
                role = MemberRole.ADMIN.value
            row = await member_store.upsert_member(
                session, channel=channel, channel_user_id=user_id, display_name=display_name,
                at=now, unit_id=self.services.directory.successor(invite.unit_id), role=role,
                chat_id=chat_id)
            if language and not row.language:
                row.language = language
            row.active, row.left_at = True, None  # back, should they have been removed
            # Joined by invite: an open request for the same person is moot.
            await request_store.cancel_pending(session, channel, user_id, at=now)
            return member_view(row)

    async def request_join(self, *, channel: str, user_id: str, chat_id: str,
                           display_name: str, language: str | None, unit_id: str,
                           now: datetime) -> JoinRequest:
        async with self.services.sessions.begin() as session:
            row = await request_store.open_request(
                session, channel=channel, channel_user_id=user_id, chat_id=chat_id,
                display_name=display_name, language=language,
                unit_id=self.services.directory.successor(unit_id), at=now)
            return _request(row)

    async def pending_request(self, channel: str, user_id: str) -> JoinRequest | None:
        async with self.services.sessions() as session:
            row = await request_store.pending_for_user(session, channel, user_id)
        return _request(row) if row else None

    async def request(self, request_id: int) -> JoinRequest | None:
        async with self.services.sessions() as session:
            row = await request_store.get_request(session, request_id)
        return _request(row) if row else None

    async def pending(self, unit_id: str | None = None) -> list[JoinRequest]:
        """Pending requests, oldest first: every one, or those for ``unit_id`` (under
        any id it has had)."""
        async with self.services.sessions() as session:
            rows = await request_store.pending_requests(session)
        directory = self.services.directory
        return [_request(r) for r in rows
                if unit_id is None or (r.unit_id in directory
                                       and directory.successor(r.unit_id) == unit_id)]

    async def decide(self, request_id: int, *, approve: bool, decider: Member,
                     now: datetime) -> Decision | None:
        """Approve or reject (the caller checked that ``decider`` may); None when
        someone else decided first."""
        actor = f"{decider.channel}:{decider.user_id}"
        action = "join.approve" if approve else "join.reject"
        async with self.services.sessions.begin() as session:
            row = await request_store.decide(session, request_id, approve=approve,
                                             decided_by=actor, at=now)
            if row is None:
                await self.audit.record(actor=actor, action=action,
                                        target=f"request:{request_id}", at=now,
                                        detail={"error": "already_decided"},
                                        outcome=Outcome.FAILED, session=session)
                return None
            request = _request(row)
            await self.audit.record(
                actor=actor, action=action, target=f"request:{request_id}", at=now,
                detail={"unit": row.unit_id, "user": f"{row.channel}:{row.channel_user_id}",
                        "name": row.display_name}, session=session)
            member = None
            if approve:
                existing = await member_store.get_member(session, row.channel,
                                                         row.channel_user_id)
                keep_admin = existing is not None and existing.role == MemberRole.ADMIN.value
                member_row = await member_store.upsert_member(
                    session, channel=row.channel, channel_user_id=row.channel_user_id,
                    display_name=row.display_name or "", at=now, unit_id=row.unit_id,
                    role=MemberRole.ADMIN.value if keep_admin else MemberRole.OFFICER.value,
                    chat_id=row.chat_id)
                if row.language and not member_row.language:
                    member_row.language = row.language
                member_row.active, member_row.left_at = True, None
                member = member_view(member_row)
            return Decision(request, approve, member)

    async def admins(self) -> list[Member]:
        async with self.services.sessions() as session:
            return [member_view(row) for row in await member_store.admins(session)]

    async def deciders(self, unit_id: str) -> list[Member]:
        """Who hears of a request to join ``unit_id``: the admins and the unit's leads."""
        async with self.services.sessions() as session:
            # Told privately: a linked person once, on their push channel.
            rows = [*await member_store.admins(session, push_only=True),
                    *await member_store.leads(session, self.services.directory.successor(
                        unit_id), push_only=True)]
        return [member_view(row) for row in rows]

    async def set_language(self, *, channel: str, user_id: str, chat_id: str,
                           display_name: str, language: str, now: datetime) -> None:
        async with self.services.sessions.begin() as session:
            await member_store.upsert_member(
                session, channel=channel, channel_user_id=user_id, display_name=display_name,
                at=now, language=language, chat_id=chat_id)

    async def leave(self, member: Member) -> None:
        """Forget the person: their row goes; their unit's updates stay, attributed
        to "a former member" (the foreign key is set to NULL)."""
        async with self.services.sessions.begin() as session:
            await member_store.delete_member(session, member.id)

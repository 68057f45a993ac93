"""Members as admins and unit leads manage them: who is in a unit, roles, removal.

Each change reads the target again inside its own transaction, applies the rules
of ``bot.permissions`` there (the number of admins is locked while it counts), and
writes its audit entry in the same transaction, refusals included.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.members import Member, MemberRole
from bot.permissions import Refusal, removal, role_change
from bot.services import Services, member_view
from bot.text import fold
from bot.usecases.audit import AuditLog, Outcome
from storage import members as member_store

MAX_FOUND = 10  # a name fragment matching more than this needs more letters


@dataclass(frozen=True)
class Change:
    """A role change or removal: done (``refusal`` None) or refused, and why."""

    member: Member  # as it is now: changed, or untouched when refused
    before: MemberRole
    refusal: Refusal | None
    unit_id: str | None  # the member's unit before the change (a removal clears it)

    @property
    def done(self) -> bool:
        return self.refusal is None


def _actor(member: Member) -> str:
    return f"{member.channel}:{member.user_id}"


def _role_order(member: Member) -> tuple[int, str]:
    rank = {MemberRole.ADMIN: 0, MemberRole.LEAD: 1, MemberRole.OFFICER: 2}[member.role]
    return rank, fold(member.display_name or member.user_id)


# Denied: the rules forbid it. Failed: allowed in principle, but nothing to do.
_OUTCOMES = {Refusal.NOT_ALLOWED: Outcome.DENIED, Refusal.LAST_ADMIN: Outcome.DENIED,
             Refusal.NEEDS_UNIT: Outcome.FAILED, Refusal.UNCHANGED: Outcome.FAILED}


class Membership:
    def __init__(self, services: Services, audit: AuditLog) -> None:
        self.services = services
        self.audit = audit

    async def members(self, unit_id: str | None) -> list[Member]:
        """Active members of the unit (``None``: the administrators), admins and leads
        first, then by name."""
        async with self.services.sessions() as session:
            rows = (await member_store.admins(session) if unit_id is None
                    else await member_store.members_of_unit(session, unit_id))
        return sorted((member_view(r) for r in rows), key=_role_order)

    async def counts(self) -> dict[str | None, int]:
        async with self.services.sessions() as session:
            return await member_store.member_counts(session)

    async def admin_count(self) -> int:
        async with self.services.sessions() as session:
            return await member_store.count_admins(session)

    async def get(self, member_id: int) -> Member | None:
        """An active member by id; None for an unknown or removed one."""
        async with self.services.sessions() as session:
            row = await member_store.get_member_by_id(session, member_id)
        return member_view(row) if row is not None and row.active else None

    async def find(self, query: str, *, unit_id: str | None = None) -> list[Member]:
        """Active members that ``query`` names: "#12" by id, else a fragment of the
        display name (with or without diacritics) or the exact user id. ``unit_id``
        limits the search to one unit (a lead's). At most ``MAX_FOUND + 1``: more than
        ``MAX_FOUND`` means the fragment is too short to choose from."""
        wanted = query.strip()
        if wanted.startswith("#") and wanted[1:].isdigit():
            found = await self.get(int(wanted[1:]))
            return [found] if found and (unit_id is None or found.unit_id == unit_id) else []
        folded = fold(wanted)
        if not folded:
            return []
        async with self.services.sessions() as session:
            rows = (await member_store.active_members(session) if unit_id is None
                    else await member_store.members_of_unit(session, unit_id))
        members = [member_view(r) for r in rows]
        exact = [m for m in members if fold(m.display_name) == folded or m.user_id == wanted]
        if exact:
            return exact[:MAX_FOUND]
        return sorted((m for m in members if folded in fold(m.display_name)),
                      key=_role_order)[:MAX_FOUND + 1]

    async def change_role(self, actor: Member, member_id: int, role: MemberRole, *,
                          now: datetime) -> Change | None:
        """Give the member ``role`` if the rules allow; None when there is no such
        active member."""
        async def apply(session: AsyncSession) -> None:
            await member_store.set_role(session, member_id, role)

        return await self._guarded(
            actor, member_id, {MemberRole.OFFICER: "member.demote"}.get(role, "member.promote"),
            lambda target, admins: role_change(actor, target, role, admins), apply,
            lambda target: {"from": target.role.value, "to": role.value,
                            "unit": target.unit_id}, now=now)

    async def remove(self, actor: Member, member_id: int, *, now: datetime) -> Change | None:
        """Remove the member from their unit if the rules allow (``storage.members.
        remove_member``); None when there is no such active member."""
        async def apply(session: AsyncSession) -> None:
            await member_store.remove_member(session, member_id, at=now)

        return await self._guarded(
            actor, member_id, "member.remove",
            lambda target, admins: removal(actor, target, admins), apply,
            lambda target: {"role": target.role.value, "unit": target.unit_id}, now=now)

    async def _guarded(self, actor: Member, member_id: int, action: str,
                       rule: Callable[[Member, int], Refusal | None],
                       apply: Callable[[AsyncSession], Awaitable[None]],
                       detail: Callable[[Member], dict[str, Any]], *,
                       now: datetime) -> Change | None:
        """One change to one member, in one transaction: read the target, count the
        admins (locked), ask the rule, apply it or not, and audit either way."""
        async with self.services.sessions.begin() as session:
            row = await member_store.get_member_by_id(session, member_id)
            if row is None or not row.active:
                return None
            target = member_view(row)
            admins = await member_store.count_admins(session, lock=True)
            refusal = rule(target, admins)
            if refusal is None:
                await apply(session)
            await self.audit.record(
                actor=_actor(actor), action=action, target=f"member:{member_id}", at=now,
                detail={**detail(target), **({"reason": refusal.value} if refusal else {})},
                outcome=_OUTCOMES[refusal] if refusal else Outcome.OK, session=session)
            return Change(member_view(row), target.role, refusal, target.unit_id)

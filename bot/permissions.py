"""Who may manage whom. Pure: the rules behind /members, /promote, /demote, /remove
and the member card's buttons, asked again at every press (a button can be stale or
forged, and roles change between showing it and pressing it).

- Admins may do everything, except leave the province without an administrator:
  the last active admin cannot be demoted or removed, not even by themselves.
- A unit lead sees their own unit's members and may remove its officers; nothing else.
- An officer may do none of it.
"""

from __future__ import annotations

from enum import StrEnum

from bot.members import Member, MemberRole


class Refusal(StrEnum):
    NOT_ALLOWED = "not_allowed"  # the actor's role does not allow it
    LAST_ADMIN = "last_admin"  # it would leave no active administrator
    NEEDS_UNIT = "needs_unit"  # a unit lead must belong to a unit
    UNCHANGED = "unchanged"  # the member has that role already


def may_list(actor: Member | None, unit_id: str | None) -> bool:
    """Whether ``actor`` may see the members of ``unit_id`` (None: the admins)."""
    if actor is None:
        return False
    if actor.is_admin:
        return True
    return actor.role is MemberRole.LEAD and unit_id is not None and actor.unit_id == unit_id


def may_see(actor: Member | None, target: Member) -> bool:
    """Whether ``actor`` may open ``target``'s card."""
    if actor is not None and actor.is_admin:
        return True
    return target.unit_id is not None and may_list(actor, target.unit_id)


def role_change(actor: Member | None, target: Member, role: MemberRole,
                admins: int) -> Refusal | None:
    """Why ``actor`` may not give ``target`` the ``role``, or None when they may.
    ``admins``: how many active administrators there are now."""
    if actor is None or not actor.is_admin:
        return Refusal.NOT_ALLOWED
    if target.role is role:
        return Refusal.UNCHANGED
    if target.is_admin and admins <= 1:
        return Refusal.LAST_ADMIN
    if role is MemberRole.LEAD and target.unit_id is None:
        return Refusal.NEEDS_UNIT
    return None


def removal(actor: Member | None, target: Member, admins: int) -> Refusal | None:
    """Why ``actor`` may not remove ``target``, or None when they may."""
    if actor is None:
        return Refusal.NOT_ALLOWED
    if actor.is_admin:
        return Refusal.LAST_ADMIN if target.is_admin and admins <= 1 else None
    if (actor.role is MemberRole.LEAD and target.role is MemberRole.OFFICER
            and target.unit_id is not None and target.unit_id == actor.unit_id):
        return None
    return Refusal.NOT_ALLOWED


def may_decide_requests(actor: Member | None, unit_id: str) -> bool:
    """Admins decide every join request; a lead those for their own unit."""
    return may_list(actor, unit_id)


ROLE_ORDER = (MemberRole.LEAD, MemberRole.ADMIN, MemberRole.OFFICER)


def offered(actor: Member | None, target: Member,
            admins: int) -> tuple[tuple[MemberRole, ...], bool]:
    """What the member card offers ``actor``: the roles they may give ``target``,
    and whether they may remove them."""
    roles = tuple(r for r in ROLE_ORDER if role_change(actor, target, r, admins) is None)
    return roles, removal(actor, target, admins) is None

"""Who is talking to the bot: a member of a unit, with a role. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MemberRole(StrEnum):
    ADMIN = "admin"  # the DPI office, the provincial office: every unit, every command
    LEAD = "lead"  # a unit's lead: their unit, its members, its escalations
    OFFICER = "officer"  # an officer of one unit


@dataclass(frozen=True)
class Member:
    id: int
    channel: str
    user_id: str
    unit_id: str | None
    role: MemberRole
    language: str | None = None
    display_name: str = ""
    chat_id: str | None = None  # the private chat to push to

    @property
    def is_admin(self) -> bool:
        return self.role is MemberRole.ADMIN

    def may_see(self, unit_id: str) -> bool:
        """Officers and leads see their own unit only; admins see every unit."""
        return self.is_admin or self.unit_id == unit_id

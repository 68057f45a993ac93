"""What the administration tests share: people with names, and the database state a
refused action must leave exactly as it was."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.app import App
from storage.members import get_member
from storage.models import AuditEntry, ChatRow, JoinRequest, Member, UnitAlias, UnitRow
from tests.conversation_kit import FakePort, invite_code, say


async def join_as(app: App, port: FakePort, user: str, name: str,
                  unit: str = "Sở Tư pháp") -> int:
    """``user`` joins ``unit`` by invite as ``name``; their member id."""
    code = await invite_code(app, port, unit)
    await say(app, user, f"/start {code}", name=name)
    return await member_id(app, user)


async def member_id(app: App, user: str) -> int:
    async with app.sessions() as session:
        row = await get_member(session, "chat", user)
    assert row is not None, user
    return row.id


async def role_of(app: App, user: str) -> tuple[str, str | None, bool]:
    """(role, unit id, active) of the member behind ``user``."""
    async with app.sessions() as session:
        row = await get_member(session, "chat", user)
    assert row is not None, user
    return row.role, row.unit_id, row.active


async def state(app: App) -> dict[str, Any]:
    """Everything an admin action could change, but the audit log."""
    async with app.sessions() as session:
        return {
            "members": [(m.id, m.unit_id, m.role, m.active, m.left_at) for m in
                        await session.scalars(select(Member).order_by(Member.id))],
            "units": [(u.id, u.name, u.kind, u.merged_into, u.active) for u in
                      await session.scalars(select(UnitRow).order_by(UnitRow.id))],
            "aliases": [(a.unit_id, a.alias) for a in
                        await session.scalars(select(UnitAlias).order_by(UnitAlias.id))],
            "requests": [(r.id, r.unit_id, r.status) for r in
                         await session.scalars(select(JoinRequest).order_by(JoinRequest.id))],
            "chats": [(c.id, c.unit_id, c.province_wide) for c in
                      await session.scalars(select(ChatRow).order_by(ChatRow.id))],
        }


async def audit_entries(app: App) -> list[tuple[str, str, str | None, str]]:
    """(actor, action, target, outcome), oldest first."""
    async with app.sessions() as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(r.actor, r.action, r.target, r.outcome) for r in rows]

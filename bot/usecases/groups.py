"""Group chats: bound to a unit (its reminders and /due) or to the whole province,
and kept true to what the platform says (added, removed, migrated, unreachable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services import Services
from bot.usecases.audit import AuditLog
from storage import chats as chat_store
from storage import members as member_store
from storage.models import ChatRow


@dataclass(frozen=True)
class Chat:
    channel: str
    chat_id: str
    title: str
    unit_id: str | None
    province_wide: bool
    active: bool

    @property
    def is_bound(self) -> bool:
        return self.unit_id is not None or self.province_wide


def _chat(row: ChatRow) -> Chat:
    return Chat(row.channel, row.channel_chat_id, row.title or "", row.unit_id,
                row.province_wide, row.active)


class Groups:
    def __init__(self, services: Services, audit: AuditLog | None = None) -> None:
        self.services = services
        self.audit = audit or AuditLog(services)

    async def chat(self, channel: str, chat_id: str) -> Chat | None:
        async with self.services.sessions() as session:
            row = await chat_store.get_chat(session, channel, chat_id)
        return _chat(row) if row else None

    async def joined(self, channel: str, chat_id: str, title: str, now: datetime) -> Chat:
        """The bot was added to a group (or first heard from it)."""
        async with self.services.sessions.begin() as session:
            row = await chat_store.upsert_chat(session, channel=channel, channel_chat_id=chat_id,
                                               kind="group", title=title, at=now)
            return _chat(row)

    async def left(self, channel: str, chat_id: str, now: datetime) -> None:
        """The bot was removed: keep the binding (history), stop sending."""
        async with self.services.sessions.begin() as session:
            await chat_store.set_chat_active(session, channel, chat_id, False, at=now)

    async def migrated(self, channel: str, old_chat_id: str, new_chat_id: str,
                       now: datetime) -> None:
        async with self.services.sessions.begin() as session:
            await chat_store.migrate_chat(session, channel, old_chat_id, new_chat_id, at=now)

    async def bind(self, channel: str, chat_id: str, *, title: str, unit_id: str | None,
                   bound_by: str, now: datetime) -> Chat:
        """Bind to a unit, or with ``unit_id=None`` to the whole province."""
        if unit_id is not None:
            unit_id = self.services.directory.successor(unit_id)
        async with self.services.sessions.begin() as session:
            await chat_store.upsert_chat(session, channel=channel, channel_chat_id=chat_id,
                                         kind="group", title=title, at=now)
            await chat_store.bind_chat(session, channel=channel, channel_chat_id=chat_id,
                                       unit_id=unit_id, province_wide=unit_id is None,
                                       bound_by=bound_by, at=now)
            await self.audit.record(actor=bound_by, action="group.bind",
                                    target=f"chat:{channel}:{chat_id}", at=now,
                                    detail={"unit": unit_id, "title": title},
                                    session=session)
            row = await chat_store.get_chat(session, channel, chat_id)
            assert row is not None
            return _chat(row)

    async def unbind(self, channel: str, chat_id: str, *, now: datetime,
                     by: str | None = None) -> None:
        """``by``: who asked (audited); None when the platform's news unbinds."""
        async with self.services.sessions.begin() as session:
            await chat_store.unbind_chat(session, channel=channel, channel_chat_id=chat_id,
                                         at=now)
            if by is not None:
                await self.audit.record(actor=by, action="group.unbind",
                                        target=f"chat:{channel}:{chat_id}", at=now,
                                        session=session)

    async def unreachable(self, channel: str, chat_id: str, now: datetime) -> None:
        """The platform refused to deliver (blocked, kicked): stop sending there.

        A private chat belongs to a member, a group to a chats row; mark whichever
        it is inactive so reminders and broadcasts skip it.
        """
        async with self.services.sessions.begin() as session:
            await chat_store.set_chat_active(session, channel, chat_id, False, at=now)
            for member in await member_store.members_with_chat(session, channel, chat_id):
                await member_store.set_member_active(session, member.id, False)

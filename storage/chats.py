"""Chats the bot is in, and the binding of a group to a unit or to the province.

Pushes for a unit go to its members' private chats and to the active groups
bound to it; what goes to every unit also goes to the province-wide groups.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import upsert
from storage.models import ChatKind, ChatRow


async def get_chat(session: AsyncSession, channel: str, channel_chat_id: str) -> ChatRow | None:
    return await session.scalar(
        select(ChatRow).where(
            ChatRow.channel == channel, ChatRow.channel_chat_id == channel_chat_id
        )
    )


async def upsert_chat(
    session: AsyncSession,
    *,
    channel: str,
    channel_chat_id: str,
    kind: ChatKind | str,
    title: str | None,
    at: datetime,
) -> ChatRow:
    """Record a chat the bot has heard from: create it, or refresh its title and
    mark it active again. A binding is never touched here.

    Reads first and writes only on a change, since this runs on every group
    message; the write itself is an atomic upsert, as two messages from a new
    group may be handled at once.
    """
    kind = ChatKind(kind)
    chat = await get_chat(session, channel, channel_chat_id)
    if chat is not None and chat.title == title and chat.active:
        return chat
    insert = (await upsert.insert(session, ChatRow)).values(
        channel=channel, channel_chat_id=channel_chat_id, kind=kind.value, title=title,
        unit_id=None, province_wide=False, active=True, bound_by=None,
        created_at=at, updated_at=at,
    )
    statement = insert.on_conflict_do_update(
        index_elements=["channel", "channel_chat_id"],
        set_={"title": title, "active": True, "updated_at": at},
    ).returning(ChatRow)
    result = await session.scalars(statement, execution_options={"populate_existing": True})
    return result.one()


async def bind_chat(
    session: AsyncSession,
    *,
    channel: str,
    channel_chat_id: str,
    unit_id: str | None,
    province_wide: bool,
    bound_by: str,
    at: datetime,
) -> ChatRow | None:
    """Bind a known chat to ``unit_id`` and/or the province, replacing any earlier
    binding; None when the bot has never recorded this chat."""
    chat = await get_chat(session, channel, channel_chat_id)
    if chat is None:
        return None
    chat.unit_id, chat.province_wide, chat.bound_by = unit_id, province_wide, bound_by
    chat.updated_at = at
    await session.flush()
    return chat


async def unbind_chat(
    session: AsyncSession, channel: str, channel_chat_id: str, *, at: datetime
) -> bool:
    """Stop pushing to the chat; False when the chat is unknown."""
    chat = await get_chat(session, channel, channel_chat_id)
    if chat is None:
        return False
    _unbind(chat, at)
    await session.flush()
    return True


def _unbind(chat: ChatRow, at: datetime) -> None:
    chat.unit_id, chat.province_wide, chat.bound_by = None, False, None
    chat.updated_at = at


async def set_chat_active(
    session: AsyncSession, channel: str, channel_chat_id: str, active: bool, *, at: datetime
) -> bool:
    """Mark the chat active (the bot is back in) or not (removed, blocked); the
    binding stays, so re-adding the bot resumes the pushes. False when unknown."""
    chat = await get_chat(session, channel, channel_chat_id)
    if chat is None:
        return False
    if chat.active != active:
        chat.active, chat.updated_at = active, at
        await session.flush()
    return True


async def migrate_chat(
    session: AsyncSession, channel: str, old_chat_id: str, new_chat_id: str, *, at: datetime
) -> ChatRow | None:
    """Follow a group that got a new id (a Telegram group upgraded to a supergroup).

    The binding moves to the new id. When a row for the new id exists already
    (an update from the supergroup came first), the old binding is copied onto it,
    unless someone has bound the new chat meanwhile, and the old row is unbound
    and deactivated, so a late message from the old id cannot revive its pushes.
    Safe to call again. Returns the chat under its new id; None when neither is known.
    """
    old = await get_chat(session, channel, old_chat_id)
    new = await get_chat(session, channel, new_chat_id)
    if old is None:
        return new
    if new is None:
        old.channel_chat_id, old.updated_at = new_chat_id, at
        await session.flush()
        return old
    if _is_bound(old) and not _is_bound(new):
        new.unit_id, new.province_wide, new.bound_by = old.unit_id, old.province_wide, old.bound_by
        new.active, new.updated_at = True, at
    if _is_bound(old) or old.active:
        _unbind(old, at)
        old.active = False
    await session.flush()
    return new


def _is_bound(chat: ChatRow) -> bool:
    return chat.unit_id is not None or chat.province_wide


async def bound_chats(session: AsyncSession, unit_id: str) -> list[ChatRow]:
    """The active chats bound to ``unit_id``, oldest first."""
    return list(await session.scalars(
        select(ChatRow)
        .where(ChatRow.unit_id == unit_id, ChatRow.active)
        .order_by(ChatRow.id)
    ))


async def province_wide_chats(session: AsyncSession) -> list[ChatRow]:
    """The active chats that receive what goes to every unit, oldest first."""
    return list(await session.scalars(
        select(ChatRow).where(ChatRow.province_wide, ChatRow.active).order_by(ChatRow.id)
    ))


async def bound_chats_for_units(
    session: AsyncSession, unit_ids: Collection[str]
) -> dict[str, list[ChatRow]]:
    """``bound_chats`` for many units in one query; every unit asked for has a list."""
    bound: dict[str, list[ChatRow]] = {unit_id: [] for unit_id in unit_ids}
    if not bound:
        return bound
    chats = await session.scalars(
        select(ChatRow)
        .where(ChatRow.unit_id.in_(list(bound)), ChatRow.active)
        .order_by(ChatRow.id)
    )
    for chat in chats:
        if chat.unit_id is not None:
            bound[chat.unit_id].append(chat)
    return bound


async def bound_group_chats(
    session: AsyncSession, unit_ids: Collection[str] | None
) -> list[ChatRow]:
    """Active groups bound to one of ``unit_ids``, or with ``None`` every bound group
    (the units' and the province-wide ones), oldest first."""
    query = select(ChatRow).where(ChatRow.active)
    if unit_ids is None:
        query = query.where((ChatRow.unit_id.is_not(None)) | ChatRow.province_wide)
    elif not unit_ids:
        return []
    else:
        query = query.where(ChatRow.unit_id.in_(list(unit_ids)))
    return list(await session.scalars(query.order_by(ChatRow.id)))


async def move_bindings(session: AsyncSession, from_unit: str, to_unit: str, *,
                        at: datetime) -> int:
    """Groups bound to ``from_unit`` are bound to ``to_unit`` instead (a merge), active
    or not, so a group the bot is re-added to resumes with today's unit. How many."""
    chats = list(await session.scalars(select(ChatRow).where(ChatRow.unit_id == from_unit)))
    for chat in chats:
        chat.unit_id, chat.updated_at = to_unit, at
    await session.flush()
    return len(chats)

"""Broadcasts: the row that says what an admin sends to whom and how far it got, the
recipients' acknowledgements, and what the outbox made of each message.

Status changes are conditional UPDATEs (``… WHERE status = 'draft'``), so a double
press, two admins or two bot processes never move a broadcast twice: whoever's
update matched a row did it, the others are told it was done already.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import upsert
from storage.models import ChatRow, Member, OutboxMessage, OutboxStatus
from storage.models_broadcasts import BroadcastAck, BroadcastRow, BroadcastStatus

DRAFT, QUEUEING, SENDING = (BroadcastStatus.DRAFT.value, BroadcastStatus.QUEUEING.value,
                            BroadcastStatus.SENDING.value)
DONE, CANCELLED = BroadcastStatus.DONE.value, BroadcastStatus.CANCELLED.value


def group_key(broadcast_id: int) -> str:
    """The outbox group of a broadcast's messages: counts them, cancels the rest."""
    return f"bc:{broadcast_id}"


async def create_broadcast(
    session: AsyncSession, *, created_by: str, creator_member_id: int | None,
    content: dict[str, Any], language: str, at: datetime,
) -> BroadcastRow:
    row = BroadcastRow(created_by=created_by, creator_member_id=creator_member_id,
                       status=DRAFT, content=content, audience=None, language=language,
                       created_at=at)
    session.add(row)
    await session.flush()
    return row


async def get_broadcast(session: AsyncSession, broadcast_id: int) -> BroadcastRow | None:
    return await session.get(BroadcastRow, broadcast_id)


async def _move(session: AsyncSession, broadcast_id: int, allowed: Collection[str],
                values: dict[str, Any]) -> bool:
    result = await session.execute(
        update(BroadcastRow)
        .where(BroadcastRow.id == broadcast_id, BroadcastRow.status.in_(list(allowed)))
        .values(**values)
        .returning(BroadcastRow.id)
        .execution_options(synchronize_session="fetch")
    )
    return result.scalar_one_or_none() is not None


async def set_audience(session: AsyncSession, broadcast_id: int,
                       audience: dict[str, Any]) -> bool:
    """Choose (or change) who a draft goes to; False once it is no longer a draft."""
    return await _move(session, broadcast_id, (DRAFT,), {"audience": audience})


async def start_queueing(session: AsyncSession, broadcast_id: int, *,
                         control_channel: str | None, control_chat_id: str | None,
                         control_message_id: str | None, at: datetime) -> bool:
    """Send was pressed: draft → queueing, remembering where progress is shown (no
    card for a broadcast from the shell). False when it was sent or cancelled already."""
    return await _move(session, broadcast_id, (DRAFT,), {
        "status": QUEUEING, "control_channel": control_channel,
        "control_chat_id": control_chat_id, "control_message_id": control_message_id,
        "queued_at": at,
    })


async def status_for_update(session: AsyncSession, broadcast_id: int) -> str | None:
    """The status, with the row locked until the transaction ends (PostgreSQL; SQLite
    has one writer anyway): queueing a batch and cancelling cannot interleave."""
    return await session.scalar(
        select(BroadcastRow.status).where(BroadcastRow.id == broadcast_id).with_for_update()
    )


async def mark_sending(session: AsyncSession, broadcast_id: int, total: int) -> bool:
    """Every message is queued: queueing → sending."""
    return await _move(session, broadcast_id, (QUEUEING,), {"status": SENDING, "total": total})


async def cancel(session: AsyncSession, broadcast_id: int, *, by: str, at: datetime) -> bool:
    """Drop a draft, or stop a running broadcast (its pending messages are the
    caller's to cancel, in the same transaction). A draft is finished at once; a
    running one when its last in-flight message has an outcome."""
    row = await session.get(BroadcastRow, broadcast_id)
    if row is None or row.status not in (DRAFT, QUEUEING, SENDING):
        return False
    finished = at if row.status == DRAFT else None
    return await _move(session, broadcast_id, (row.status,), {
        "status": CANCELLED, "cancelled_by": by, "finished_at": finished,
    })


async def unfinished(session: AsyncSession) -> list[BroadcastRow]:
    """Broadcasts whose sending is not over: queueing (maybe interrupted by a crash),
    sending, or stopped with messages possibly still in flight."""
    return list(await session.scalars(
        select(BroadcastRow)
        .where(or_(
            BroadcastRow.status.in_([QUEUEING, SENDING]),
            and_(BroadcastRow.status == CANCELLED, BroadcastRow.queued_at.is_not(None),
                 BroadcastRow.finished_at.is_(None)),
        ))
        .order_by(BroadcastRow.id)
    ))


async def claim_progress(session: AsyncSession, broadcast_id: int, *, at: datetime,
                         interval: timedelta, text: str) -> bool:
    """Take the right to show progress now: at most once per ``interval`` (across
    processes), and never the same text twice."""
    result = await session.execute(
        update(BroadcastRow)
        .where(
            BroadcastRow.id == broadcast_id,
            or_(BroadcastRow.progress_at.is_(None), BroadcastRow.progress_at <= at - interval),
            or_(BroadcastRow.progress_text.is_(None), BroadcastRow.progress_text != text),
        )
        .values(progress_at=at, progress_text=text)
        .returning(BroadcastRow.id)
        .execution_options(synchronize_session="fetch")
    )
    return result.scalar_one_or_none() is not None


async def finish(session: AsyncSession, broadcast_id: int, *, at: datetime) -> bool:
    """Sending is over: sending → done, or a stopped one gets its finishing time.
    True for the one caller that finished it (who then sends the summary)."""
    if await _move(session, broadcast_id, (SENDING,), {"status": DONE, "finished_at": at}):
        return True
    result = await session.execute(
        update(BroadcastRow)
        .where(BroadcastRow.id == broadcast_id, BroadcastRow.status == CANCELLED,
               BroadcastRow.finished_at.is_(None))
        .values(finished_at=at)
        .returning(BroadcastRow.id)
        .execution_options(synchronize_session="fetch")
    )
    return result.scalar_one_or_none() is not None


async def recent_broadcasts(session: AsyncSession, limit: int) -> list[BroadcastRow]:
    """The latest sent or sending broadcasts, newest first (drafts left out)."""
    return list(await session.scalars(
        select(BroadcastRow)
        .where(BroadcastRow.queued_at.is_not(None))
        .order_by(BroadcastRow.id.desc())
        .limit(limit)
    ))


# --- recipients' acknowledgements -------------------------------------------------------


async def record_ack(session: AsyncSession, *, broadcast_id: int, channel: str, user_id: str,
                     member_id: int | None, chat_id: str, at: datetime) -> bool:
    """True the first time this person acknowledges this broadcast."""
    insert = (await upsert.insert(session, BroadcastAck)).values(
        broadcast_id=broadcast_id, channel=channel, user_id=user_id, member_id=member_id,
        chat_id=chat_id, at=at,
    )
    result = await session.execute(
        insert.on_conflict_do_nothing().returning(BroadcastAck.broadcast_id)
    )
    return result.scalar_one_or_none() is not None


async def acks(session: AsyncSession, broadcast_id: int) -> list[BroadcastAck]:
    return list(await session.scalars(
        select(BroadcastAck).where(BroadcastAck.broadcast_id == broadcast_id)
        .order_by(BroadcastAck.at)
    ))


# --- what became of each message -------------------------------------------------------


@dataclass(frozen=True)
class Delivered:
    """One message of a broadcast and its fate, with whom it was for."""

    channel: str
    chat_id: str
    status: str
    failure: str | None
    member_id: int | None
    member_name: str | None
    unit_id: str | None
    chat_title: str | None  # a group's title


async def deliveries(session: AsyncSession, broadcast_id: int,
                     statuses: Collection[str] | None = None) -> list[Delivered]:
    """The broadcast's messages (of the given statuses), with the member or group
    each was for. One query: a broadcast may have thousands."""
    query = (
        select(OutboxMessage.channel, OutboxMessage.chat_id, OutboxMessage.status,
               OutboxMessage.failure, OutboxMessage.recipient_member_id, Member.display_name,
               Member.unit_id, ChatRow.title, ChatRow.unit_id)
        .outerjoin(Member, Member.id == OutboxMessage.recipient_member_id)
        .outerjoin(ChatRow, and_(OutboxMessage.recipient_member_id.is_(None),
                                 ChatRow.channel == OutboxMessage.channel,
                                 ChatRow.channel_chat_id == OutboxMessage.chat_id))
        .where(OutboxMessage.group_key == group_key(broadcast_id))
        .order_by(OutboxMessage.id)
    )
    if statuses is not None:
        query = query.where(OutboxMessage.status.in_(list(statuses)))
    return [
        Delivered(channel, chat_id, status, failure, member_id, name,
                  member_unit if member_id is not None else chat_unit, title)
        for channel, chat_id, status, failure, member_id, name, member_unit, title, chat_unit
        in await session.execute(query)
    ]


FINAL_STATUSES = (OutboxStatus.SENT.value, OutboxStatus.FAILED.value,
                  OutboxStatus.CANCELLED.value)

"""The outbox: queueing messages, and claiming them for sending under a lease.

Sending itself is ``bot.outbox``'s business. The life of a row::

    pending ──claim──▶ sending ──mark_sent──▶ sent
       ▲                 │ ├────mark_failed──▶ failed
       └───mark_retry────┘ └─lease runs out──▶ claimable again
    pending, sending ──cancel_group──▶ cancelled ──mark_sent (it was in flight)──▶ sent

Every transition out of 'sending' names the worker that claimed the row, so a
worker whose lease was taken over cannot overwrite its successor's outcome.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxKind, OutboxMessage, OutboxStatus

PENDING, SENDING = OutboxStatus.PENDING.value, OutboxStatus.SENDING.value


@dataclass(frozen=True)
class OutboxDraft:
    """A message to queue; ``key`` decides whether it is new."""

    key: str
    channel: str
    chat_id: str
    payload: dict[str, Any] = field(hash=False)
    not_before: datetime
    kind: str = OutboxKind.NOTICE.value
    group_key: str | None = None  # counts and cancels one broadcast or reminder occurrence
    recipient_member_id: int | None = None


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    channel: str,
    chat_id: str,
    payload: dict[str, Any],
    not_before: datetime,
    at: datetime,
    kind: str = OutboxKind.NOTICE.value,
    group_key: str | None = None,
    recipient_member_id: int | None = None,
) -> bool:
    """Queue a message unless one with ``key`` exists; True when this call queued it."""
    draft = OutboxDraft(key, channel, chat_id, payload, not_before, kind, group_key,
                        recipient_member_id)
    return await enqueue_many(session, [draft], at=at) == 1


async def enqueue_many(session: AsyncSession, rows: Sequence[OutboxDraft], *, at: datetime) -> int:
    """Queue the drafts whose key is new; how many were queued.

    INSERT … ON CONFLICT (key) DO NOTHING, so two bot processes (or a restart that
    replays a reminder tick) racing on the same keys queue each message exactly
    once and neither transaction fails; RETURNING tells the new rows from the rest.

    A reminder to every officer of the province is 20,000 rows, so this is one
    executemany on the table, not an ORM object per row: SQLAlchemy sends it as
    multi-row INSERTs of 1000 ("insertmanyvalues"), within the drivers' limits on
    bind parameters, and caches the compiled statement. (``insert().values(list)``
    compiles a fresh 12,000-parameter statement per batch: eight times slower.)
    """
    if not rows:
        return 0
    # The Table, not the mapped class: the ORM's bulk path takes 60 % longer here.
    table = OutboxMessage.metadata.tables[OutboxMessage.__tablename__]
    dialect = (await session.connection()).dialect.name
    insert: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        insert = postgresql.insert(table)
    elif dialect == "sqlite":
        insert = sqlite.insert(table)
    else:
        raise NotImplementedError(f"enqueue on {dialect}")
    statement = insert.on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)
    result = await session.execute(statement, [_row(draft, at) for draft in rows])
    return len(result.all())


def _row(draft: OutboxDraft, at: datetime) -> dict[str, Any]:
    return {
        "key": draft.key,
        "channel": draft.channel,
        "chat_id": draft.chat_id,
        "payload": draft.payload,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": draft.not_before,
        "created_at": at,
        "kind": draft.kind,
        "group_key": draft.group_key,
        "recipient_member_id": draft.recipient_member_id,
        "updated_at": at,
    }


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Due pending rows, and rows whose worker's lease ran out (it crashed, or hung).
    A 'sending' row without a lease was claimed before leases existed (revision
    0003): nobody holds it any more."""
    return or_(
        and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now),
        and_(
            OutboxMessage.status == SENDING,
            or_(OutboxMessage.lease_until < now, OutboxMessage.lease_until.is_(None)),
        ),
    )


async def claim(
    session: AsyncSession,
    *,
    owner: str,
    now: datetime,
    limit: int,
    lease: timedelta,
    channels: Collection[str] | None = None,
    group_key: str | None = None,
) -> list[OutboxMessage]:
    """Take up to ``limit`` claimable rows for ``owner``, oldest due first; only those
    of one broadcast or occurrence when ``group_key`` is given (a shell command that
    sends one broadcast and nothing else).

    ``owner`` must be unique per running worker (say host, pid and a random part):
    it is what tells a worker's rows from its successor's after a takeover.

    One statement: WITH due AS MATERIALIZED (SELECT … FOR UPDATE SKIP LOCKED)
    UPDATE … FROM due RETURNING. On PostgreSQL a second process skips the rows
    this one has locked rather than waiting for them or taking them too; the CTE
    is materialized so the LIMITed subquery runs exactly once (as an IN-subquery
    a recheck could run it again and claim more rows). SQLite runs one writer at
    a time, and SQLAlchemy leaves FOR UPDATE and MATERIALIZED out there.
    """
    if limit <= 0 or (channels is not None and not channels):
        return []
    due = select(OutboxMessage.id).where(_claimable(now))
    if channels is not None:
        due = due.where(OutboxMessage.channel.in_(list(channels)))
    if group_key is not None:
        due = due.where(OutboxMessage.group_key == group_key)
    due_ids = (
        due.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id == due_ids.c.id)
        .values(
            status=SENDING, claimed_by=owner, lease_until=now + lease,
            attempts=OutboxMessage.attempts + 1, updated_at=now,
        )
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    result = await session.scalars(statement, execution_options={"populate_existing": True})
    # RETURNING comes back in no particular order.
    return sorted(result.all(), key=lambda row: (row.next_attempt_at, row.id))


async def _finish(
    session: AsyncSession, message_id: int, owner: str, values: dict[str, Any],
    also_from: str | None = None,
) -> bool:
    """Move ``owner``'s claimed row on; False when it is no longer theirs."""
    statuses = [SENDING] if also_from is None else [SENDING, also_from]
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status.in_(statuses),
            OutboxMessage.claimed_by == owner,
        )
        .values(lease_until=None, **values)
        .returning(OutboxMessage.id)
        # A row loaded in this session (by claim, say) follows the change.
        .execution_options(synchronize_session="fetch")
    )
    return result.scalar_one_or_none() is not None


async def mark_sent(session: AsyncSession, message_id: int, *, owner: str, at: datetime) -> bool:
    """Sent. Allowed past the lease while nobody has taken the row over: it was sent,
    and saying so prevents a second send. ``claimed_by`` stays, to tell who sent it.
    Also from 'cancelled' when the cancel came while this owner had it in flight:
    the message went out, and the counts must say so."""
    return await _finish(session, message_id, owner, {
        "status": OutboxStatus.SENT.value, "sent_at": at, "updated_at": at,
    }, also_from=OutboxStatus.CANCELLED.value)


async def mark_retry(
    session: AsyncSession,
    message_id: int,
    *,
    owner: str,
    at: datetime,
    next_attempt_at: datetime,
    error: str,
) -> bool:
    """Back to pending until ``next_attempt_at``, for any worker to claim."""
    return await _finish(session, message_id, owner, {
        "status": PENDING, "next_attempt_at": next_attempt_at, "last_error": error,
        "claimed_by": None, "updated_at": at,
    })


async def mark_failed(
    session: AsyncSession, message_id: int, *, owner: str, at: datetime, error: str,
    failure: str | None = None,
) -> bool:
    """Failed for good (the chat is gone, the payload is refused, attempts ran out);
    ``failure`` is the short reason code a summary shows (``bot.outbox.Failure``)."""
    return await _finish(session, message_id, owner, {
        "status": OutboxStatus.FAILED.value, "last_error": error, "failure": failure,
        "updated_at": at,
    })


async def cancel_group(session: AsyncSession, group_key: str, *, at: datetime) -> int:
    """Cancel what of a broadcast (or occurrence) is not sent yet; how many rows.

    Claimed rows are cancelled too, so a worker holding a batch skips the rest of
    it (``still_claimed``); the one message it has in flight may still go, and is
    then marked sent."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.group_key == group_key,
               OutboxMessage.status.in_([PENDING, SENDING]))
        .values(status=OutboxStatus.CANCELLED.value, updated_at=at)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session="fetch")
    )
    return len(result.all())


async def still_claimed(session: AsyncSession, message_id: int, *, owner: str) -> bool:
    """Whether ``owner`` still holds the row: checked just before sending, so a
    cancelled broadcast stops within one message, not one batch."""
    status = await session.scalar(
        select(OutboxMessage.status).where(
            OutboxMessage.id == message_id, OutboxMessage.claimed_by == owner)
    )
    return status == SENDING


async def outbox_counts(session: AsyncSession, group_key: str | None = None,
                        channels: Collection[str] | None = None) -> dict[str, int]:
    """Rows per status (every status present, zeros included), of one group and of
    some channels if given."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if group_key is not None:
        query = query.where(OutboxMessage.group_key == group_key)
    if channels is not None:
        query = query.where(OutboxMessage.channel.in_(list(channels)))
    counts = {status.value: 0 for status in OutboxStatus}
    for status, count in await session.execute(query):
        counts[status] = count
    return counts


async def outbox_depth(session: AsyncSession, *, now: datetime) -> tuple[int, datetime | None]:
    """How many rows a claim could take now, and when the oldest of them was queued:
    the backlog a health check watches. Rows scheduled for later do not count."""
    count, oldest = (await session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(_claimable(now))
    )).one()
    return int(count), oldest


async def sent_keys(session: AsyncSession, prefix: str) -> set[str]:
    """Keys of the sent messages whose key starts with ``prefix``.

    substr() rather than LIKE: SQLite's LIKE ignores case, and '%' or '_' in a key
    would need escaping.
    """
    rows = await session.scalars(
        select(OutboxMessage.key).where(
            OutboxMessage.status == OutboxStatus.SENT.value,
            func.substr(OutboxMessage.key, 1, len(prefix)) == prefix,
        )
    )
    return set(rows)

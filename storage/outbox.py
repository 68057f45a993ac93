"""Putting messages in the outbox. Sending them is ``bot.outbox``'s business."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, OutboxStatus


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    channel: str,
    chat_id: str,
    payload: dict[str, Any],
    not_before: datetime,
    at: datetime,
) -> bool:
    """Queue a message unless one with ``key`` exists; True when this call queued it.

    One atomic INSERT … ON CONFLICT DO NOTHING, so two bot processes (or a restart
    that replays a reminder tick) racing on the same key queue it exactly once,
    and neither transaction fails.
    """
    row = {
        "key": key,
        "channel": channel,
        "chat_id": chat_id,
        "payload": payload,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": not_before,
        "created_at": at,
    }
    # The two dialects spell it alike but in separate classes.
    dialect = (await session.connection()).dialect.name
    statement: Insert
    if dialect == "postgresql":
        pg = postgresql.insert(OutboxMessage).values(row)
        statement = pg.on_conflict_do_nothing(index_elements=[OutboxMessage.key])
    elif dialect == "sqlite":
        lite = sqlite.insert(OutboxMessage).values(row)
        statement = lite.on_conflict_do_nothing(index_elements=[OutboxMessage.key])
    else:
        raise NotImplementedError(f"enqueue on {dialect}")
    result = await session.execute(statement.returning(OutboxMessage.id))
    return result.scalar_one_or_none() is not None

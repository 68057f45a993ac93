"""A send rate shared by every bot process on the database: a token bucket per channel.

The platform limits the bot token, not one process, so the bucket lives in a row
that each send locks for one tiny transaction; the caller commits right after.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import upsert
from storage.models_reminders import SendRate


async def take_slot(
    session: AsyncSession,
    channel: str,
    *,
    now: datetime,
    rate_per_second: float,
    burst: float,
) -> float:
    """Take one send from ``channel``'s bucket: 0.0 when taken, otherwise the seconds
    until a token will be there (nothing is taken then; ask again after the wait).

    The bucket refills at ``rate_per_second`` up to ``burst`` tokens and starts full.
    """
    if rate_per_second <= 0 or burst < 1:
        raise ValueError(f"need rate_per_second > 0 and burst >= 1, got {rate_per_second}, {burst}")
    # Insert first: it makes the row exist, and on SQLite it makes this a write
    # transaction from its first statement, so no other process reads the bucket
    # between our read and our write. PostgreSQL gets the same from FOR UPDATE.
    insert = (await upsert.insert(session, SendRate)).values(
        channel=channel, tokens=burst, updated_at=now
    )
    await session.execute(insert.on_conflict_do_nothing(index_elements=["channel"]))
    tokens, updated_at = (await session.execute(
        select(SendRate.tokens, SendRate.updated_at)
        .where(SendRate.channel == channel)
        .with_for_update()
    )).one()
    # Processes' clocks differ a little: a "now" behind the row's refills nothing,
    # and the row's time never goes backwards.
    elapsed = max(0.0, (now - updated_at).total_seconds())
    tokens = min(float(burst), tokens + elapsed * rate_per_second)
    if tokens < 1:
        return (1 - tokens) / rate_per_second
    await session.execute(
        update(SendRate)
        .where(SendRate.channel == channel)
        .values(tokens=tokens - 1, updated_at=max(now, updated_at))
        .execution_options(synchronize_session=False)
    )
    return 0.0

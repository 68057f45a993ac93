"""Revision 0004 (broadcasts) goes up, down and up again, keeping the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.migrate import current, downgrade, upgrade
from storage.outbox import enqueue
from tests.storage.inspection import inspect_database, table_columns


def _outbox(connection: Connection) -> Any:
    return connection.execute(text("SELECT key, status FROM outbox ORDER BY id")).all()


async def test_down_to_0003_and_up_again(database_url: str,
                                         sessionmaker: async_sessionmaker[AsyncSession],
                                         now: datetime) -> None:
    async with sessionmaker.begin() as session:
        await enqueue(session, key="k1", channel="telegram", chat_id="1", payload={"a": 1},
                      not_before=now, at=now)
    before = await inspect_database(database_url, _outbox)
    await downgrade(database_url, "0003")
    columns = await inspect_database(database_url, table_columns)
    assert "broadcasts" not in columns and "broadcast_acks" not in columns
    assert "failure" not in columns["outbox"]
    assert await inspect_database(database_url, _outbox) == before
    await upgrade(database_url)
    assert await current(database_url) == "0006"
    columns = await inspect_database(database_url, table_columns)
    assert {"broadcasts", "broadcast_acks"} <= set(columns)
    assert "failure" in columns["outbox"]
    assert await inspect_database(database_url, _outbox) == before

"""Looking at a migrated database's schema, for the migration tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.db import create_engine


async def inspect_database(url: str, work: Any) -> Any:
    """Run ``work(sync_connection)`` on a fresh engine and dispose of it."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def table_columns(connection: Connection) -> dict[str, set[str]]:
    """Every table with its column names."""
    inspector = inspect(connection)
    return {
        table: {column["name"] for column in inspector.get_columns(table)}
        for table in inspector.get_table_names()
    }

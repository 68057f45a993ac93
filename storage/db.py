"""The engine and the session factory: the only place that knows the database URL.

Storage functions take an ``AsyncSession`` and never commit; the caller (one update,
one scheduled job) owns the transaction::

    async with sessionmaker.begin() as session:
        await record_update(session, ...)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

# How long a SQLite writer waits for another one before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 5000

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",  # Heroku-style URLs
    "postgresql": "postgresql+asyncpg",
}


def async_url(url: str | URL) -> URL:
    """``url`` with the async driver this project uses when none is named."""
    parsed = make_url(url)
    driver = _DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def _is_sqlite_file(url: URL) -> bool:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or url.query.get("mode") == "memory"
    return not in_memory


def create_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """An async engine for SQLite (aiosqlite) or PostgreSQL (asyncpg)."""
    parsed = async_url(url)
    engine = _create_async_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine, wal=_is_sqlite_file(parsed))
    return engine


def _configure_sqlite(engine: AsyncEngine, *, wal: bool) -> None:
    # PRAGMAs are per connection, so they go on every new DBAPI connection.
    # foreign_keys: SQLite ignores ON DELETE CASCADE / SET NULL without it.
    # WAL: readers do not block the writer (the bot reads while the outbox writes);
    # it is meaningless for an in-memory database.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: rows returned from a finished transaction stay readable
    # without an implicit (and, under asyncio, impossible) lazy refresh.
    return async_sessionmaker(engine, expire_on_commit=False)

"""The engine and the session factory: the only place that knows the database URL.

Storage functions take an ``AsyncSession`` and never commit; the caller (one update,
one scheduled job) owns the transaction::

    async with sessionmaker.begin() as session:
        await record_update(session, ...)
"""

from __future__ import annotations

import time
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
                _use_wal(cursor)
        finally:
            cursor.close()


WAL_ATTEMPTS = 40


def _use_wal(cursor: Any) -> None:
    """Switch the database file to WAL (once: the mode is kept in the file). Two
    processes opening a new database at once both try the switch; it needs an
    exclusive lock, and SQLite's busy timeout does not cover it, so the loser is told
    "database is locked" at once: it waits a little and looks again."""
    for attempt in range(WAL_ATTEMPTS):
        try:
            cursor.execute("PRAGMA journal_mode")
            row = cursor.fetchone()
            if row and str(row[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as error:  # the driver's OperationalError, however adapted
            if "locked" not in str(error) or attempt == WAL_ATTEMPTS - 1:
                raise
            time.sleep(min(0.5, 0.02 * (attempt + 1)))


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: rows returned from a finished transaction stay readable
    # without an implicit (and, under asyncio, impossible) lazy refresh.
    return async_sessionmaker(engine, expire_on_commit=False)

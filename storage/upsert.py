"""INSERT … ON CONFLICT, which SQLite and PostgreSQL spell alike in separate classes."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


async def insert(session: AsyncSession, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into ``model`` that offers ``on_conflict_do_update``/``…_nothing``.

    An atomic upsert instead of "select, then insert or update": two updates from
    one chat handled at once must not both insert and trip the primary key.
    """
    dialect = (await session.connection()).dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"upsert on {dialect}")

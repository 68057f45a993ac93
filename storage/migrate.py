"""Schema migrations, callable from code: ``nhacviec db upgrade`` calls ``upgrade()``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.db import create_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config built in code: no alembic.ini to ship or to find."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # Config is a ConfigParser: a literal "%" (URL-encoded passwords) must be doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# Any fixed number: the key of the PostgreSQL advisory lock taken while migrating.
_MIGRATION_LOCK = 0x6E68_6163  # "nhac"


async def _run(url: str, action: Callable[[Config], object]) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            # Several processes starting at once on an empty database would each try
            # to create the schema: the first migrates, the others wait for its lock
            # and then find the work done.
            if connection.dialect.name == "postgresql":
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                         {"key": _MIGRATION_LOCK})
            elif connection.dialect.name == "sqlite":
                # The driver opens transactions lazily; take the write lock now.
                await connection.exec_driver_sql("BEGIN IMMEDIATE")

            def run(sync_connection: Connection) -> None:
                config = alembic_config(url)
                config.attributes["connection"] = sync_connection
                action(config)

            await connection.run_sync(run)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    await _run(url, lambda config: command.upgrade(config, revision))


async def downgrade(url: str, revision: str) -> None:
    await _run(url, lambda config: command.downgrade(config, revision))


async def autogenerate(url: str, message: str) -> None:
    """Write a new revision with the difference between the database and the models.

    A draft: read it, and rewrite types as plain SQLAlchemy ones (see script.py.mako).
    """
    await _run(url, lambda config: command.revision(config, message, autogenerate=True))


async def current(url: str) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()

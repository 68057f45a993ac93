"""Migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, Column, Integer, MetaData, inspect, text
from sqlalchemy.engine import Connection, make_url

from storage.db import async_url, create_engine
from storage.migrate import alembic_config, current, downgrade, upgrade
from storage.models import Base

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _with_connection(url: str, work: Any) -> Any:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def _differences(metadata: MetaData) -> Any:
    def compare(connection: Connection) -> Any:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, metadata)

    return compare


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def test_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == ["0006"]


async def test_upgrade_from_empty(empty_database_url: str) -> None:
    assert await current(empty_database_url) is None
    await upgrade(empty_database_url)
    assert await current(empty_database_url) == HEAD
    tables = await _with_connection(empty_database_url, _tables)
    assert tables == {*Base.metadata.tables, "alembic_version"}


async def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    await upgrade(database_url)
    assert await current(database_url) == HEAD


async def test_migrations_match_models(database_url: str) -> None:
    assert await _with_connection(database_url, _differences(Base.metadata)) == []


async def test_check_constraints_match_models(database_url: str) -> None:
    # Alembic's comparison skips CHECK constraints; their names at least must agree.
    def reflected(connection: Connection) -> dict[str, set[str]]:
        inspector = inspect(connection)
        return {
            table: {str(check["name"]) for check in inspector.get_check_constraints(table)}
            for table in Base.metadata.tables
        }

    expected = {
        table.name: {
            str(constraint.name) for constraint in table.constraints
            if isinstance(constraint, CheckConstraint)
        }
        for table in Base.metadata.tables.values()
    }
    assert await _with_connection(database_url, reflected) == expected


async def test_comparison_sees_a_difference(database_url: str) -> None:
    # Guards the test above against comparing nothing with nothing.
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["units"].append_column(Column("extra", Integer))
    differences = await _with_connection(database_url, _differences(metadata))
    assert [d[0] for d in differences] == ["add_column"]


async def test_downgrade_to_base_and_up_again(database_url: str) -> None:
    await downgrade(database_url, "base")
    assert await current(database_url) is None
    assert await _with_connection(database_url, _tables) == {"alembic_version"}

    await upgrade(database_url)
    assert await current(database_url) == HEAD
    assert await _with_connection(database_url, _differences(Base.metadata)) == []


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("sqlite:///nhacviec.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///nhacviec.db", "sqlite+aiosqlite"),
        ("postgresql://u:p@db/nhacviec", "postgresql+asyncpg"),
        ("postgres://u:p@db/nhacviec", "postgresql+asyncpg"),
        ("postgresql+asyncpg://u:p@db/nhacviec", "postgresql+asyncpg"),
    ],
)
def test_async_url_picks_the_async_driver(given: str, driver: str) -> None:
    url = async_url(given)
    assert url.drivername == driver
    assert url.database == make_url(given).database


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_sqlite_connections_enforce_foreign_keys_and_use_wal(database_url: str) -> None:
    def pragmas(connection: Connection) -> tuple[Any, ...]:
        return tuple(
            connection.execute(text(f"PRAGMA {name}")).scalar_one()
            for name in ("foreign_keys", "journal_mode", "busy_timeout")
        )

    assert await _with_connection(database_url, pragmas) == (1, "wal", 5000)


async def test_in_memory_sqlite_skips_wal() -> None:
    def journal_mode(connection: Connection) -> Any:
        return connection.execute(text("PRAGMA journal_mode")).scalar_one()

    assert await _with_connection("sqlite://", journal_mode) == "memory"


def test_alembic_runs_without_our_event_loop(tmp_path: Path) -> None:
    # The path Alembic's own command line takes: env.py makes its engine and loop.
    path = tmp_path / "standalone.db"
    command.upgrade(alembic_config(f"sqlite:///{path}"), "head")
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() \
            == [(HEAD,)]


def test_offline_sql_for_postgresql(capsys: pytest.CaptureFixture[str]) -> None:
    # For a DBA who wants the script rather than a migration run: no connection needed.
    command.upgrade(alembic_config("postgresql://nobody@nowhere/nhacviec"), "head", sql=True)
    script = capsys.readouterr().out
    assert "CREATE TABLE units" in script
    assert "JSONB" in script and "TIMESTAMP WITH TIME ZONE" in script


async def test_concurrent_first_start_migrates_once(empty_database_url: str) -> None:
    """Two processes starting together on an empty database: both succeed."""
    await asyncio.gather(upgrade(empty_database_url), upgrade(empty_database_url))
    assert await current(empty_database_url) is not None

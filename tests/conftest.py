"""Shared fixtures: a migrated database on SQLite and on PostgreSQL.

``database_url`` runs each test that uses it twice: on a fresh SQLite file and on
a clean schema in a PostgreSQL database made for this test session (dropped at the
end). Without a PostgreSQL server the PostgreSQL runs are skipped, unless
NHACVIEC_REQUIRE_POSTGRES=1 (CI), where they fail.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import hypothesis
import pytest
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import App, running_app
from bot.config import Settings
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from tests.conversation_kit import ADMIN, NOW, FakePort

# CI draws the same examples every run (HYPOTHESIS_PROFILE=ci, set by .ci/run): a red
# CI is then a regression, not a new draw. Elsewhere hypothesis explores; what it
# finds becomes a plain test (as tests/test_plan_reading.py's empty table row).
hypothesis.settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("HYPOTHESIS_PROFILE"):
    hypothesis.settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])

# As in production (bot/channels/telegram/__init__.py): PTB 22's future duration form.
os.environ.setdefault("PTB_TIMEDELTA", "1")

POSTGRES_URL = os.environ.get(
    "NHACVIEC_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("NHACVIEC_REQUIRE_POSTGRES") == "1"

T = TypeVar("T")


def run_outside_test_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run setup work on a private loop: asyncio.run() would also unset the
    thread's current event loop, which pytest-asyncio owns."""
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        return runner.run(coroutine)


async def _execute(url: URL, *statements: str) -> None:
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password,
        database=url.database, timeout=5,
    )
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own for this test session, created on the server's
    ``test`` database and dropped at the end."""
    server = make_url(POSTGRES_URL)
    name = f"nhacviec_test_{uuid.uuid4().hex[:12]}"
    try:
        run_outside_test_loop(_execute(server, f'CREATE DATABASE "{name}"'))
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL at {server.render_as_string()} does not answer: {error!r}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    yield server.set(database=name).render_as_string(hide_password=False)
    run_outside_test_loop(_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database with nothing in it, not even Alembic's version table."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'nhacviec.db'}"
    url: str = request.getfixturevalue("postgres_url")
    # Reset at the start, not the end: a failed test leaves its data to look at.
    run_outside_test_loop(_execute(
        make_url(url), "DROP SCHEMA public CASCADE", "CREATE SCHEMA public"
    ))
    return url


@pytest.fixture
async def database_url(empty_database_url: str) -> str:
    """A database migrated to the newest revision, with no rows."""
    await upgrade(empty_database_url)
    return empty_database_url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


# --- the conversation layer (tests/conversation_kit.py) --------------------------------


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
                        admins=(f"chat:{ADMIN}",))
    async with running_app(settings, clock=lambda: NOW) as running:
        yield running


@pytest.fixture
def port(app: App) -> FakePort:
    fake = FakePort()
    app.router.add_port(fake)
    return fake


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A shell command's world: an empty working directory (where ``nhacviec.db`` and
    ``.env`` are looked for) and no ``NHACVIEC_*`` variables."""
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("NHACVIEC_")]:
        monkeypatch.delenv(key)
    return tmp_path

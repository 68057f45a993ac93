"""``nhacviec backup FILE`` and ``nhacviec restore FILE``: the SQLite database, copied
while the bot runs.

The copy is SQLite's online backup API on a connection that holds one read
transaction for the whole copy: in WAL mode the bot keeps writing meanwhile, and the
backup is the database as it was when the copy began — every row committed before,
none half-written (without the held transaction, every write from the bot would
restart a stepped backup from the beginning). Either file is written next to its
destination under a temporary name and moved into place with ``os.replace``, so a
crash leaves the old file or the new one, never a torn one.

PostgreSQL has its own tools (``pg_dump``/``pg_restore``); these commands say so.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bot.cli import CommandError
from bot.cli.progress import Progress, add_flag
from bot.config import Settings
from storage.migrate import upgrade

SQLITE_HEADER = b"SQLite format 3\x00"
PAGES_PER_STEP = 256  # 1 MB of 4 KB pages between progress lines
BUSY_TIMEOUT_MS = 5000


def add_parsers(commands: Any) -> None:
    backup = commands.add_parser("backup", help="copy the SQLite database (while it runs)")
    backup.add_argument("file", help="where to write the copy")
    backup.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    add_flag(backup)
    restore = commands.add_parser("restore", help="put a backup in place of the database")
    restore.add_argument("file", help="a file written by nhacviec backup")
    restore.add_argument("--yes", action="store_true",
                         help="replace the database (required: it cannot be undone)")
    restore.add_argument("--force", action="store_true",
                         help="even though the database looks in use")
    add_flag(restore)


def database_file(settings: Settings, command: str) -> Path:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        tool = "pg_dump -Fc" if command == "backup" else "pg_restore"
        raise CommandError(
            f"The database is PostgreSQL: use {tool} (e.g. `{tool} … {url.database}`); "
            f"nhacviec {command} copies SQLite databases only.")
    if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
        raise CommandError("The database is in memory: there is no file to copy.")
    return Path(url.database)


def _copy(source: Path, target: Path, progress: Progress, label: str) -> int:
    """Copy ``source`` into a new ``target`` (which must not exist); the page count."""
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        # One read transaction for the whole copy: its snapshot is what is copied.
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        dst = sqlite3.connect(target)
        try:
            def step(status: int, remaining: int, total: int) -> None:
                progress.pages(label, total - remaining, total)

            src.backup(dst, pages=PAGES_PER_STEP, progress=step, sleep=0)
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise CommandError(f"The copy does not check out: {check}")
        finally:
            dst.close()
        src.execute("COMMIT")
    finally:
        src.close()
    return pages


def _temporary_beside(target: Path) -> Path:
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=".tmp")
    os.close(handle)
    os.unlink(name)  # the backup API creates it as a database of its own
    return Path(name)


def _copy_into_place(source: Path, target: Path, progress: Progress, label: str) -> int:
    temporary = _temporary_beside(target)
    try:
        pages = _copy(source, temporary, progress, label)
        for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm")):
            # A journal left beside the old file would be replayed into the new one.
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return pages


def _revision(path: Path) -> str:
    """The migration revision of a database file we wrote, or why it is not one."""
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror or error}") from None
    if header != SQLITE_HEADER:
        raise CommandError(f"{path} is not a SQLite database.")
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        connection.execute("SELECT count(*) FROM outbox").fetchone()
    except sqlite3.DatabaseError:
        raise CommandError(f"{path} is not a Nhắc việc database (no alembic_version or "
                           "outbox table).") from None
    finally:
        connection.close()
    if row is None:
        raise CommandError(f"{path} is not a Nhắc việc database (no migration revision).")
    return str(row[0])


def _backup(source: Path, target: Path, force: bool, progress: Progress) -> str:
    if not source.is_file():
        raise CommandError(f"There is no database at {source} to back up.")
    if target.exists() and not force:
        raise CommandError(f"{target} exists: pass --force to overwrite it.")
    if target.resolve() == source.resolve():
        raise CommandError("The backup cannot be the database itself.")
    progress.say(f"Backing up {source} to {target}")
    pages = _copy_into_place(source, target, progress, "copied")
    return (f"Backed up {source} to {target} ({pages} pages, "
            f"{target.stat().st_size / 1024:.0f} KB).")


def _restore(source: Path, target: Path, yes: bool, force: bool, progress: Progress) -> int:
    revision = _revision(source)
    if source.resolve() == target.resolve():
        raise CommandError("That file is the database itself.")
    if not yes:
        raise CommandError(f"Restoring replaces {target} with {source}; what is in it now is "
                           "lost. Stop the bot, then run again with --yes.")
    in_use = [p for p in (Path(f"{target}-wal"), Path(f"{target}-shm")) if p.exists()]
    if in_use and not force:
        raise CommandError(f"{target} looks in use ({in_use[0].name} exists): stop the bot "
                           "first, or pass --force if it is not running.")
    progress.say(f"Restoring {source} (revision {revision}) to {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    return _copy_into_place(source, target, progress, "copied")


async def backup(settings: Settings, args: argparse.Namespace) -> None:
    """Off the event loop: the copy of a large database takes a while."""
    source = database_file(settings, "backup")
    print(await asyncio.to_thread(_backup, source, Path(args.file), args.force,
                                  Progress.from_args(args)))


async def restore(settings: Settings, args: argparse.Namespace) -> None:
    target = database_file(settings, "restore")
    progress = Progress.from_args(args)
    pages = await asyncio.to_thread(_restore, Path(args.file), target, args.yes, args.force,
                                    progress)
    progress.say("Migrating to the latest revision")
    await upgrade(settings.database_url)
    print(f"Restored {args.file} to {target} ({pages} pages); the database is up to date.")

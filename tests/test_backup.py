"""``nhacviec backup`` and ``nhacviec restore``: the SQLite database copied while
another connection writes, put back, refused when it should be; and the progress
lines of the long shell commands."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.__main__ import main
from tests.plan_files import as_json, sample_plan

ROWS = 3000  # ~3 MB of rows: a dozen backup steps of 256 pages
FILLER = "x" * 1000


def _make_database(shell: Path) -> Path:
    assert main(["db", "upgrade"]) == 0
    db = shell / "nhacviec.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, note TEXT)")
        connection.executemany("INSERT INTO ledger (note) VALUES (?)",
                               [(f"{n} {FILLER}",) for n in range(ROWS)])
    connection.close()
    return db


def _count(path: Path, table: str = "ledger") -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        connection.close()


def test_backup_is_consistent_while_another_connection_writes(
        shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _make_database(shell)
    stop, written = threading.Event(), [0]

    def writer() -> None:
        connection = sqlite3.connect(db, timeout=5)
        try:
            while not stop.is_set():
                with connection:  # one committed transaction per row, as the bot writes
                    connection.execute("INSERT INTO ledger (note) VALUES (?)",
                                       (f"during {FILLER}",))
                written[0] += 1
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 20:  # the writer is going before the backup starts
            threading.Event().wait(0.001)
        committed_before = _count(db)
        assert main(["backup", "copy.db", "--progress"]) == 0
        during = written[0]
    finally:
        stop.set()
        thread.join()
    assert during > 20  # the writer did not wait for the backup
    captured = capsys.readouterr()
    assert "Backed up" in captured.out and "copy.db" in captured.out
    lines = captured.err.splitlines()
    assert lines[0].startswith("Backing up")
    pages = [re.fullmatch(r"copied: (\d+)/(\d+) pages \((\d+)%\)", line) for line in lines[1:]]
    assert all(pages) and len(pages) >= 2, lines
    assert pages[-1] is not None and pages[-1][1] == pages[-1][2] and pages[-1][3] == "100"
    copy = shell / "copy.db"
    connection = sqlite3.connect(copy)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count, top = connection.execute("SELECT count(*), max(id) FROM ledger").fetchone()
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        connection.close()
    assert count >= committed_before  # everything committed before the backup began
    assert count == top  # and no hole: a snapshot, not pages from different moments
    assert not list(shell.glob(".copy.db.*"))  # no temporary file left behind


def test_backup_refuses_to_overwrite_without_force(
        shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _make_database(shell)
    (shell / "copy.db").write_text("precious")
    assert main(["backup", "copy.db"]) == 1
    assert "copy.db exists: pass --force to overwrite it." in capsys.readouterr().err
    assert (shell / "copy.db").read_text() == "precious"
    assert main(["backup", "copy.db", "--force"]) == 0
    assert capsys.readouterr().err == ""  # no progress: stderr is no terminal here
    assert _count(shell / "copy.db") == ROWS


def test_restore_round_trip(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _make_database(shell)
    assert main(["backup", "copy.db"]) == 0
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM ledger")
    connection.close()
    assert _count(db) == 0
    capsys.readouterr()

    assert main(["restore", "copy.db"]) == 1  # not without --yes
    assert "run again with --yes" in capsys.readouterr().err
    assert _count(db) == 0

    holder = sqlite3.connect(db)  # the bot still has it open: -wal and -shm exist
    holder.execute("SELECT 1 FROM ledger").fetchall()
    try:
        assert main(["restore", "copy.db", "--yes"]) == 1
        assert "looks in use" in capsys.readouterr().err
    finally:
        holder.close()

    assert main(["restore", "copy.db", "--yes", "--progress"]) == 0
    captured = capsys.readouterr()
    assert "the database is up to date" in captured.out
    assert captured.err.splitlines()[0].startswith("Restoring copy.db (revision ")
    assert captured.err.splitlines()[-1] == "Migrating to the latest revision"
    assert _count(db) == ROWS
    assert main(["units", "list"]) == 0  # the bot reads it


def test_restore_refuses_what_is_not_our_database(
        shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _make_database(shell)
    (shell / "notes.txt").write_text("not a database at all, " * 10)
    assert main(["restore", "notes.txt", "--yes"]) == 1
    assert "notes.txt is not a SQLite database." in capsys.readouterr().err
    other = sqlite3.connect(shell / "other.db")
    other.execute("CREATE TABLE something (x)")
    other.commit()
    other.close()
    assert main(["restore", "other.db", "--yes"]) == 1
    assert "other.db is not a Nhắc việc database" in capsys.readouterr().err
    assert main(["restore", "missing.db", "--yes"]) == 1
    assert "Cannot read missing.db" in capsys.readouterr().err
    assert _count(db) == ROWS  # untouched


def test_postgresql_points_to_its_own_tools(
        shell: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NHACVIEC_DATABASE_URL", "postgresql+asyncpg://bot@db.example/nhacviec")
    assert main(["backup", "copy.dump"]) == 1
    assert "use pg_dump -Fc" in capsys.readouterr().err
    assert main(["restore", "copy.dump", "--yes"]) == 1
    assert "use pg_restore" in capsys.readouterr().err


def test_plan_import_shows_its_steps(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shell / "kh45.json").write_bytes(as_json(sample_plan()))
    assert main(["plan", "import", "kh45.json", "--progress"]) == 0
    captured = capsys.readouterr()
    assert "Imported plan-2023-1 (inactive)" in captured.out
    steps = captured.err.splitlines()
    assert steps[0] == "Reading kh45.json"
    assert re.fullmatch(r"Parsing and storing \d+ KB", steps[1])
    assert steps[2] == "Stored 6 tasks"

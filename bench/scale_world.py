"""The province of issue 9's scale benchmark: 5,000 units, 50,000 tasks, 1,000,000
progress updates, 100,000 members — written straight into the real schema.

The database is first created the way the bot creates it (``running_app``: the
migrations, then the seed directory and plan); everything else is generated here
and bulk-inserted through the driver itself — ``executemany`` in one transaction on
SQLite, ``COPY`` (``copy_records_to_table``) on PostgreSQL — because setup is not
what is measured and a million ORM objects would take minutes. The rows are what
the bot itself would have written (same column encodings: UTC datetimes, ISO
dates, JSON), so the bot cannot tell them from onboarded members and sent updates.

The world, seeded (``random.Random(9)``), the same on every backend:

- **Units**: the seed's 49 plus synthetic communes (UBND xã/phường …, kind
  ``locality``) and provincial bodies (Chi cục, Trung tâm … , kind ``department``)
  up to ``units`` rows. Being departments and localities, every one of them owes the
  seed plan's III.2 report (5th and 22nd, to Sở KH&ĐT), as the collective "Các Sở,
  ban, ngành, địa phương" says.
- **Tasks**: a second active plan (``scale-2023``, 01/07/2023–30/06/2024) whose
  ``tasks`` tasks go round-robin to the concrete units as lead, ~10 each, one in
  three with a coordinating unit: a monthly report on the 10th (a cycle), dated
  deadlines, a month and a quarter, ongoing work, "hàng tháng", weekly, and one
  with no deadline at all.
- **Members**: ``members`` Telegram officers (private chat = user id), round-robin
  over the concrete units, one in twenty a unit lead; plus the admin.
- **Progress updates**: ``updates`` rows: ~85 % of (unit, III.2 cycle) pairs up to
  ``NOW`` get one to three updates (mostly on time, some late); the rest go to the
  units' own tasks at random times between the plan's start and ``NOW``, attached to
  the cycle the bot would pick (the next 10th; the task's deadline; none for open
  work), each sent by one of the unit's members.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import func, make_url, select

from bot.app import running_app
from bot.config import Settings
from bot.cycles import cycles_in
from bot.report import obligated_units
from bot.units import Directory, Unit, UnitKind
from storage.models import Member, ProgressUpdate, TaskRow

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
# The app's clock for everything measured in-process: a Friday in the seed plan's
# life, five days after the 05/11/2023 report (the default /report cycle).
NOW = datetime(2023, 11, 10, 9, 0, tzinfo=HANOI)
SETUP_AT = datetime(2023, 7, 1, 8, 0, tzinfo=HANOI)
SEED_PLAN = "bn-2023-q3"
SEED_REPORT = "III.2"
PLAN_ID = "scale-2023"
PLAN_STARTS, PLAN_ENDS = date(2023, 7, 1), date(2024, 6, 30)
ADMIN_ID = 1  # telegram:1, made admin by Settings.admins
MEMBER_ID_BASE = 1_000_000  # Telegram user ids of the officers
SEED = 9

_COMMUNE_PREFIXES = ("UBND xã", "UBND phường", "UBND thị trấn")
_PLACES = ("An Bình", "Tân Lập", "Hòa Phú", "Đông Xuân", "Phù Chẩn", "Tam Sơn", "Hương Mạc",
           "Yên Phong", "Quế Võ", "Thuận Thành", "Gia Bình", "Lương Tài", "Tiên Du",
           "Đình Bảng", "Việt Hùng", "Nhân Hòa", "Song Hồ", "Mão Điền", "Trí Quả", "Đại Đồng")
_BODY_PREFIXES = ("Chi cục", "Trung tâm", "Ban Quản lý", "Văn phòng", "Phòng")
_FIELDS = ("Quản lý đất đai", "Phát triển nông thôn", "Dịch vụ việc làm", "Xúc tiến đầu tư",
           "Thủy lợi", "Văn hóa và Thể thao", "Công nghệ thông tin", "Kiểm soát bệnh tật",
           "Bảo vệ thực vật", "Đo lường chất lượng")
_VERBS = ("Rà soát", "Triển khai", "Tổng hợp", "Kiểm tra", "Xây dựng", "Đôn đốc")
_OBJECTS = ("hồ sơ giải phóng mặt bằng", "kế hoạch chuyển đổi số", "danh mục dự án đầu tư",
            "thủ tục hành chính", "số liệu thu ngân sách", "chương trình nông thôn mới")
_UPDATE_TEXTS = ("Đã triển khai, đang tổng hợp số liệu", "Hoàn thành, đã gửi báo cáo",
                 "Vướng vốn, chờ tỉnh bố trí", "Đang rà soát hồ sơ", "Đã trình UBND tỉnh",
                 "Chậm do thiếu nhân lực", "Xong 80%, còn khâu thẩm định")


@dataclass(frozen=True)
class World:
    units: int
    concrete_units: int
    tasks: int
    members: int
    updates: int
    report_cycles: tuple[date, ...]  # the seed report's cycles up to NOW
    report_obligated: int  # units owing each of them
    build_seconds: dict[str, float]


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@dataclass
class _Rows:
    """Every table's new rows, column names first; values as Python objects."""

    units: list[tuple[Any, ...]]
    plans: list[tuple[Any, ...]]
    tasks: list[tuple[Any, ...]]
    task_units: list[tuple[Any, ...]]
    members: list[tuple[Any, ...]]
    updates: list[tuple[Any, ...]]


COLUMNS: dict[str, tuple[str, ...]] = {
    "units": ("id", "name", "kind", "merged_into", "active", "member_kinds", "note",
              "created_at", "updated_at"),
    "plans": ("id", "title", "number", "issued", "province", "year", "starts", "ends",
              "active", "created_at"),
    "tasks": ("id", "plan_id", "code", "number", "section", "title", "text", "kind",
              "assignees_text", "deadline_text", "due"),
    "task_units": ("task_id", "unit_id", "role", "position"),
    "members": ("id", "channel", "channel_user_id", "display_name", "unit_id", "role",
                "language", "chat_id", "active", "muted", "created_at", "left_at"),
    "progress_updates": ("id", "task_id", "unit_id", "member_id", "cycle", "text", "percent",
                         "status", "channel_message_id", "created_at"),
}
JSON_COLUMNS = {("units", "member_kinds"), ("tasks", "due")}


def _synthetic_units(count: int) -> list[Unit]:
    units = []
    for i in range(count):
        if i % 5:  # four in five are communes
            prefix = _COMMUNE_PREFIXES[i % len(_COMMUNE_PREFIXES)]
            units.append(Unit(f"xa-{i:05d}", f"{prefix} {_PLACES[i % len(_PLACES)]} {i:04d}",
                              UnitKind.LOCALITY))
        else:
            prefix = _BODY_PREFIXES[i // 5 % len(_BODY_PREFIXES)]
            units.append(Unit(f"cq-{i:05d}", f"{prefix} {_FIELDS[i // 5 % len(_FIELDS)]} "
                                             f"{i:04d}", UnitKind.DEPARTMENT))
    return units


def _due(slot: int, index: int) -> tuple[str, list[dict[str, Any]], date | None, bool]:
    """(deadline text, specs, the single deadline if any, periodic on the 10th)."""
    day = PLAN_STARTS + timedelta(days=14 + index * 37 % 350)
    month = 7 + index % 12
    year, month = 2023 + (month - 1) // 12, (month - 1) % 12 + 1
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    match slot % 10:
        case 0:
            return "vào ngày 10 hàng tháng", [{"kind": "monthly", "days": [10]}], None, True
        case 1 | 2 | 7:
            return f"trước ngày {day:%d/%m/%Y}", [{"kind": "date", "date": day.isoformat()}], \
                day, False
        case 3:
            return f"trong tháng {month}/{year}", [{"kind": "range", "start": first.isoformat(),
                                                    "end": last.isoformat()}], last, False
        case 4:
            quarter_start = date(year, (month - 1) // 3 * 3 + 1, 1)
            quarter_end = (quarter_start + timedelta(days=95)).replace(day=1) - timedelta(days=1)
            return f"Quý {(month - 1) // 3 + 1}/{year}", [{
                "kind": "range", "start": quarter_start.isoformat(),
                "end": quarter_end.isoformat()}], quarter_end, False
        case 5:
            return "thường xuyên", [{"kind": "ongoing"}], None, False
        case 6:
            return "hàng tháng", [{"kind": "monthly", "days": []}], None, False
        case 8:
            return "hàng tuần", [{"kind": "weekly"}], None, False
    return "khi có yêu cầu", [{"kind": "conditional", "text": "khi có yêu cầu"}], None, False


def _next_tenth(day: date) -> date:
    if day.day <= 10:
        return day.replace(day=10)
    return (day.replace(day=1) + timedelta(days=32)).replace(day=10)


def _generate(units: int, tasks: int, members: int, updates: int, seed_directory: Directory,
              seed_plan_tasks: dict[str, int], report_cycles: Sequence[date],
              first_ids: dict[str, int]) -> tuple[_Rows, list[str], int]:
    rng = random.Random(SEED)
    setup = _utc(SETUP_AT)
    new_units = _synthetic_units(max(0, units - len(seed_directory)))
    unit_rows: list[tuple[Any, ...]] = [
        (u.id, u.name, u.kind.value, None, True, [], "", setup, setup) for u in new_units]
    concrete = [u.id for u in seed_directory.concrete_units()] + [u.id for u in new_units]
    names = {u.id: u.name for u in seed_directory} | {u.id: u.name for u in new_units}
    n = len(concrete)

    plan_rows = [(PLAN_ID, "Kế hoạch thực hiện nhiệm vụ phát triển kinh tế - xã hội năm 2023 "
                  "(quy mô)", "Số 999/KH-UBND", date(2023, 6, 20), "Bắc Ninh", 2023,
                  PLAN_STARTS, PLAN_ENDS, True, setup)]
    task_rows, link_rows = [], []
    # Per unit (by position in ``concrete``): (task id, periodic?, deadline) of its tasks.
    own: list[list[tuple[int, bool, date | None]]] = [[] for _ in range(n)]
    task_id = first_ids["tasks"]
    for i in range(tasks):
        unit_index, slot = i % n, i // n
        unit = concrete[unit_index]
        deadline_text, specs, deadline, periodic = _due(slot, i)
        verb, thing = _VERBS[i % len(_VERBS)], _OBJECTS[i // 7 % len(_OBJECTS)]
        title = (f"Báo cáo định kỳ về {thing}" if periodic else f"{verb} {thing}")
        text = (f"{names[unit]} chủ trì, phối hợp với các cơ quan liên quan {verb.lower()} "
                f"{thing} trên địa bàn, bảo đảm tiến độ và chất lượng; báo cáo kết quả "
                f"{deadline_text}.")
        code = f"IV.{unit_index + 1}.{slot + 1}"
        task_rows.append((task_id, PLAN_ID, code, i + 1, f"IV.{unit_index + 1}", title, text,
                          "report" if periodic else "task", f"{names[unit]} chủ trì",
                          deadline_text, specs))
        link_rows.append((task_id, unit, "lead", 0))
        if i % 3 == 0:
            link_rows.append((task_id, concrete[(unit_index + 1 + i % 97) % n],
                              "coordinating", 0))
        own[unit_index].append((task_id, periodic, deadline))
        task_id += 1

    member_rows = []
    member_id = first_ids["members"]
    for i in range(members):
        user = str(MEMBER_ID_BASE + i)
        member_rows.append((member_id + i, "telegram", user, f"Cán bộ {i}", concrete[i % n],
                            "lead" if i % 20 == 0 else "officer", None, user, True, False,
                            setup, None))

    def sender(unit_index: int) -> int | None:
        per_unit = (members - unit_index + n - 1) // n if unit_index < members else 0
        if per_unit <= 0:
            return None
        return member_id + unit_index + n * rng.randrange(per_unit)

    # The seed report: who owes it, from the directory itself.
    report_id = seed_plan_tasks[SEED_REPORT]
    update_rows: list[tuple[Any, ...]] = []
    update_id = first_ids["progress_updates"]
    now = _utc(NOW)

    def add(task: int, unit_index: int, cycle: date | None, at: datetime) -> None:
        nonlocal update_id
        status = rng.random()
        update_rows.append((
            update_id, task, concrete[unit_index], sender(unit_index), cycle,
            _UPDATE_TEXTS[update_id % len(_UPDATE_TEXTS)],
            rng.randrange(0, 101, 10) if status < 0.8 else None,
            "done" if status < 0.08 else "blocked" if status < 0.15 else "in_progress",
            None, at))
        update_id += 1

    owers = _report_owers(seed_directory, new_units)
    obligated = [i for i, u in enumerate(concrete) if u in owers]
    for due in report_cycles:
        due_at = datetime(due.year, due.month, due.day, 17, 0, tzinfo=HANOI)
        for unit_index in obligated:
            if len(update_rows) >= updates or rng.random() >= 0.85:
                continue
            for _ in range(1 + rng.randrange(3)):
                late = rng.random() < 0.1
                at = due_at + timedelta(hours=rng.uniform(1, 72)) if late else \
                    due_at - timedelta(hours=rng.uniform(0, 240))
                add(report_id, unit_index, due, _utc(min(at, NOW)))
    span = (now - setup).total_seconds()
    while len(update_rows) < updates:
        unit_index = rng.randrange(n)
        if not own[unit_index]:
            continue
        task, periodic, deadline = own[unit_index][rng.randrange(len(own[unit_index]))]
        at = setup + timedelta(seconds=rng.uniform(0, span))
        local = at.astimezone(HANOI).date()
        add(task, unit_index, _next_tenth(local) if periodic else deadline, at)
    rows = _Rows(unit_rows, plan_rows, task_rows, link_rows, member_rows, update_rows)
    return rows, concrete, len(obligated)


def _report_owers(seed_directory: Directory, new_units: Sequence[Unit]) -> frozenset[str]:
    """The units owing the seed's III.2 in the whole directory (collectives expanded)."""
    directory = Directory([*seed_directory, *new_units])
    from bot.datafiles import load_plan

    plan = load_plan(directory=seed_directory)
    task = next(t for t in plan.tasks if t.code == SEED_REPORT)
    return obligated_units(plan, task, directory, date(2023, 11, 5))


# --- writing -----------------------------------------------------------------------------


def _sqlite_value(table: str, column: str, value: Any) -> Any:
    """What SQLAlchemy would bind on SQLite for this column."""
    if (table, column) in JSON_COLUMNS:
        return json.dumps(value)
    if isinstance(value, datetime):  # UtcDateTime: naive UTC, SQLAlchemy's text format
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _sqlite_rows(table: str, rows: Sequence[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    columns = COLUMNS[table]
    converters = [(i, c) for i, c in enumerate(columns)]
    for row in rows:
        yield tuple(_sqlite_value(table, c, row[i]) for i, c in converters)


def _write_sqlite(path: str, rows: _Rows) -> dict[str, float]:
    timings = {}
    connection = sqlite3.connect(path)
    try:
        # Consistent by construction; the bot turns the checks on for its own writes.
        connection.execute("PRAGMA foreign_keys=OFF")
        # Setup only (this connection's own settings, not kept in the file): the
        # indexes of a million rows stay in memory while they are written, and a
        # crash mid-build loses nothing worth keeping.
        connection.execute("PRAGMA cache_size=-400000")  # KiB: 400 MB
        connection.execute("PRAGMA synchronous=OFF")
        with connection:
            for table, values in _tables(rows):
                started = time.perf_counter()
                columns = COLUMNS[table]
                connection.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                    f"({', '.join('?' for _ in columns)})", _sqlite_rows(table, values))
                timings[table] = round(time.perf_counter() - started, 2)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return timings


def _pg_value(table: str, column: str, value: Any) -> Any:
    if (table, column) in JSON_COLUMNS:
        return json.dumps(value)
    return value


async def _write_postgresql(url: str, rows: _Rows) -> dict[str, float]:
    parsed = make_url(url)
    connection = await asyncpg.connect(host=parsed.host, port=parsed.port,
                                       user=parsed.username, password=parsed.password,
                                       database=parsed.database)
    timings = {}
    try:
        async with connection.transaction():
            for table, values in _tables(rows):
                started = time.perf_counter()
                columns = COLUMNS[table]
                json_at = [i for i, c in enumerate(columns) if (table, c) in JSON_COLUMNS]
                records = values if not json_at else [
                    tuple(json.dumps(v) if i in json_at else v for i, v in enumerate(row))
                    for row in values]
                await connection.copy_records_to_table(table, records=records,
                                                       columns=list(columns))
                timings[table] = round(time.perf_counter() - started, 2)
            for table in ("tasks", "members", "progress_updates"):
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))")
        started = time.perf_counter()
        # What autovacuum does on its own soon after a bulk load.
        await connection.execute("VACUUM ANALYZE")
        timings["vacuum_analyze"] = round(time.perf_counter() - started, 2)
    finally:
        await connection.close()
    return timings


def _tables(rows: _Rows) -> list[tuple[str, list[tuple[Any, ...]]]]:
    return [("units", rows.units), ("plans", rows.plans), ("tasks", rows.tasks),
            ("task_units", rows.task_units), ("members", rows.members),
            ("progress_updates", rows.updates)]


async def build(url: str, *, units: int, tasks: int, members: int, updates: int) -> World:
    """Migrate and seed ``url`` as the bot does on first start, then bulk-insert the rest."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    settings = Settings(database_url=url, admins=(f"telegram:{ADMIN_ID}",))
    async with running_app(settings, clock=lambda: SETUP_AT) as app:
        snapshot = app.services.snapshot
        seed_directory = snapshot.directory
        plan = next(p for p in snapshot.plans if p.id == SEED_PLAN)
        report_task = next(t for t in plan.tasks if t.code == SEED_REPORT)
        cycles = tuple(c.due for c in cycles_in(plan, report_task, plan.starts, NOW.date()))
        seed_tasks = {code: task_id for (plan_id, code), task_id in snapshot.task_ids.items()
                      if plan_id == SEED_PLAN}
        async with app.sessions() as session:
            first_ids = {
                "tasks": int(await session.scalar(select(func.max(TaskRow.id))) or 0) + 1,
                "members": int(await session.scalar(select(func.max(Member.id))) or 0) + 1,
                "progress_updates": int(await session.scalar(
                    select(func.max(ProgressUpdate.id))) or 0) + 1,
            }
    timings["migrate_and_seed"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    rows, concrete, obligated = _generate(units, tasks, members, updates, seed_directory,
                                          seed_tasks, cycles, first_ids)
    timings["generate"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        timings |= _write_sqlite(parsed.database or "", rows)
    else:
        timings |= await _write_postgresql(url, rows)
    timings["write"] = round(time.perf_counter() - started, 2)
    return World(len(seed_directory) + len(rows.units), len(concrete),
                 len(rows.tasks) + len(seed_tasks), len(rows.members) + 1, len(rows.updates),
                 cycles, obligated, timings)

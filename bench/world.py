"""The province the benchmarks run on: the seed plan and directory, plus thousands of
officers and groups written straight into the tables.

Setup is not what is measured, so members and groups are bulk-inserted with Core
(seconds for 20,000 rows) instead of going through onboarding one by one. They
look exactly like onboarded ones: a Telegram private chat whose id is the user id,
a unit, active, not muted; groups are active supergroups bound to one unit.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import delete, func, insert, make_url, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import App
from bot.reminders import ReminderKind
from bot.usecases.reminders import LAST_TICK
from storage import reminder_settings as settings_store
from storage.models import ChatKind, ChatRow, Member, OutboxMessage

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
# The 05/08/2023 report (a Saturday) of the seed plan's III.2: every department but
# Sở KH&ĐT, and the localities, report to Sở KH&ĐT. Its before-3 reminder goes out
# on Tue 01/08/2023 at 08:00. The scheduler ticks every minute, so the tick that
# sends it is the first one after 08:00; the one before it ran at 07:59.
SEND_AT = datetime(2023, 8, 1, 8, 0, tzinfo=HANOI)
PREVIOUS_TICK = SEND_AT - timedelta(minutes=1)
TICK = SEND_AT + timedelta(minutes=1)
SETUP_AT = SEND_AT - timedelta(days=30)

# Telegram ids: private chats are the user's id; supergroups are -100… .
MEMBER_ID_BASE = 1_000_000
PROBE_ID_BASE = 9_000_000  # the officers who ask /due during the drain
GROUP_ID_BASE = -1_001_000_000_000
CHUNK = 5_000  # rows per bulk insert: well inside SQLite's bind-parameter limit


@asynccontextmanager
async def temporary_database(server_url: str | None, directory: Path) -> AsyncIterator[str]:
    """The database of one run: a SQLite file (WAL) in ``directory``; or, given a
    PostgreSQL URL, a fresh database created on that server and dropped afterwards
    (connecting to the URL's own database to do so)."""
    if server_url is None:
        yield f"sqlite+aiosqlite:///{directory / 'bench.db'}"
        return
    server = make_url(server_url)
    if not server.drivername.startswith("postgresql"):
        raise ValueError(f"--database-url: PostgreSQL only, not {server.drivername}")
    name = f"nhacviec_bench_{uuid.uuid4().hex[:12]}"

    async def execute(statement: str) -> None:
        connection = await asyncpg.connect(host=server.host, port=server.port,
                                           user=server.username, password=server.password,
                                           database=server.database, timeout=10)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    await execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        await execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class Population:
    units: tuple[str, ...]  # the units the occurrence obligates, members spread over them
    members: int
    groups: int
    probes: tuple[int, ...]  # Telegram user ids of the /due officers (muted)


async def obligated_units(app: App) -> tuple[str, ...]:
    """The units whose reminders fall due at SEND_AT (28 for the seed's III.2)."""
    reminders = await app.usecases.reminders.schedule(PREVIOUS_TICK, TICK)
    return tuple(sorted({unit for r in reminders if r.kind is not ReminderKind.ESCALATION
                         for unit in r.units}))


async def _bulk(session: AsyncSession, table: type[Member] | type[ChatRow],
                rows: Sequence[dict[str, object]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(table), list(rows[start:start + CHUNK]))


async def populate(app: App, *, members: int, groups: int, probes: int) -> Population:
    """Spread ``members`` officers and ``groups`` bound groups round-robin over the
    obligated units, and add ``probes`` muted officers (muted: they never get a
    reminder, so every message to their chat is an answer to their /due)."""
    units = await obligated_units(app)
    if not units:
        raise RuntimeError(f"nothing falls due at {SEND_AT}: has the seed plan changed?")

    def member(user_id: int, unit: str, muted: bool) -> dict[str, object]:
        return {"channel": "telegram", "channel_user_id": str(user_id),
                "display_name": f"Cán bộ {user_id}", "unit_id": unit, "role": "officer",
                "language": None, "chat_id": str(user_id), "active": True,
                "muted": muted, "created_at": SETUP_AT, "left_at": None}

    member_rows = [member(MEMBER_ID_BASE + i, units[i % len(units)], False)
                   for i in range(members)]
    probe_ids = tuple(PROBE_ID_BASE + i for i in range(probes))
    member_rows += [member(user_id, units[i % len(units)], True)
                    for i, user_id in enumerate(probe_ids)]
    group_rows = [{"channel": "telegram", "channel_chat_id": str(GROUP_ID_BASE - i),
                   "kind": ChatKind.GROUP.value, "title": f"Nhóm {i}",
                   "unit_id": units[i % len(units)], "province_wide": False, "active": True,
                   "bound_by": "bench", "created_at": SETUP_AT, "updated_at": SETUP_AT}
                  for i in range(groups)]
    async with app.sessions.begin() as session:
        await _bulk(session, Member, member_rows)
        await _bulk(session, ChatRow, group_rows)
    return Population(units, members, groups, probe_ids)


async def set_last_tick(sessions: async_sessionmaker[AsyncSession], at: datetime) -> None:
    """Where the engine believes its previous tick ran: moving it back makes the next
    tick cover SEND_AT again, as a restart or a second process racing would."""
    async with sessions.begin() as session:
        await settings_store.set_state(session, LAST_TICK, at.isoformat(), at=at)


async def outbox_rows(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def payload_bytes(sessions: async_sessionmaker[AsyncSession]) -> int:
    """The stored JSON of every outbox row's message (ASCII: characters are bytes)."""
    async with sessions() as session:
        return int(await session.scalar(select(func.sum(func.length(OutboxMessage.payload))))
                   or 0)


async def clear_outbox(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await session.execute(delete(OutboxMessage))

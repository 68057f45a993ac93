"""Revision 0003 (reminders) goes up, down and up again without losing data."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.units import Directory
from storage.members import add_absence, set_muted, upsert_member
from storage.migrate import current, downgrade, upgrade
from storage.models import Base
from storage.outbox import OutboxDraft, claim, enqueue, enqueue_many, mark_sent
from storage.rate import take_slot
from storage.reminder_settings import add_calendar_day, set_state, set_unit_settings
from tests.storage.inspection import inspect_database, table_columns

NEW_TABLES = {
    "member_absences", "calendar_days", "unit_reminder_settings", "scheduler_state", "send_rate"
}
NEW_OUTBOX_COLUMNS = {
    "kind", "group_key", "recipient_member_id", "claimed_by", "lease_until", "updated_at"
}


def _old_rows(connection: Connection) -> tuple[Any, ...]:
    return (
        connection.execute(text(
            "SELECT id, channel_user_id, unit_id, chat_id, active FROM members ORDER BY id"
        )).all(),
        connection.execute(text(
            "SELECT id, key, channel, chat_id, status, attempts, last_error FROM outbox"
            " ORDER BY id"
        )).all(),
        connection.execute(text("SELECT payload FROM outbox ORDER BY id")).scalars().all(),
    )


def _new_columns(connection: Connection) -> tuple[Any, ...]:
    return (
        connection.execute(text("SELECT muted FROM members")).scalars().all(),
        connection.execute(text(
            "SELECT kind, group_key, recipient_member_id, claimed_by, lease_until"
            " FROM outbox"
        )).all(),
    )


def _differences(connection: Connection) -> tuple[Any, ...]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    checks = {
        table: {str(check["name"]) for check in inspect(connection).get_check_constraints(table)}
        for table in ("outbox", "members", *NEW_TABLES)
    }
    return compare_metadata(context, Base.metadata), checks


async def _fill(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> None:
    async with sessionmaker.begin() as session:
        member = await upsert_member(session, channel="telegram", channel_user_id="42",
                                     display_name="Lan", unit_id="so-xd", chat_id="42", at=now)
        await upsert_member(session, channel="zalo", channel_user_id="7",
                            display_name="Minh", unit_id="so-tc", at=now)
        await set_muted(session, member.id, True)
        await add_absence(session, member.id, date(2023, 7, 1), date(2023, 7, 9), at=now)
        await enqueue(session, key="notice:1", channel="telegram", chat_id="42",
                      payload={"text": "Xin chào"}, not_before=now, at=now)
        await enqueue_many(session, [
            OutboxDraft(f"rem:{i}", "telegram", "42", {"text": f"Nhắc {i}"}, now,
                        "reminder", "rem:occurrence", member.id)
            for i in range(3)
        ], at=now)
        [claimed, *_] = await claim(session, owner="w1", now=now, limit=2,
                                    lease=timedelta(minutes=2))
        await mark_sent(session, claimed.id, owner="w1", at=now)
        await add_calendar_day(session, date(2023, 8, 28), "off", note=None,
                               created_by="cli", at=now)
        await set_unit_settings(session, "so-xd", lead_days=[3, 1], send_time="07:30", at=now)
        await set_state(session, "reminders.last_tick", now.isoformat(), at=now)
        await take_slot(session, "telegram", now=now, rate_per_second=1, burst=1)


async def test_down_to_0002_and_up_again_keeps_the_data(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], units: Directory,
    now: datetime,
) -> None:
    await _fill(sessionmaker, now)
    before = await inspect_database(database_url, _old_rows)
    assert len(before[1]) == 4

    await downgrade(database_url, "0002")
    assert await current(database_url) == "0002"
    schema = await inspect_database(database_url, table_columns)
    assert not NEW_TABLES & set(schema)
    assert not NEW_OUTBOX_COLUMNS & schema["outbox"]
    assert "muted" not in schema["members"]
    # The outbox was rebuilt on SQLite: its rows, ids and states come through.
    assert await inspect_database(database_url, _old_rows) == before

    await upgrade(database_url)
    assert await inspect_database(database_url, _old_rows) == before
    muted, outbox = await inspect_database(database_url, _new_columns)
    # Existing rows get the defaults: nobody muted, every message a plain notice.
    assert [bool(value) for value in muted] == [False, False]
    assert outbox == [("notice", None, None, None, None)] * 4
    differences, checks = await inspect_database(database_url, _differences)
    assert differences == []
    assert checks == {
        table.name: {str(c.name) for c in table.constraints if isinstance(c, CheckConstraint)}
        for table in Base.metadata.tables.values()
        if table.name in {"outbox", "members", *NEW_TABLES}
    }
    # And the new tables work again.
    await _fill_again(sessionmaker, now)


async def _fill_again(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> None:
    async with sessionmaker.begin() as session:
        assert await enqueue_many(session, [
            OutboxDraft("rem:0", "telegram", "42", {}, now),
            OutboxDraft("rem:new", "telegram", "42", {}, now),
        ], at=now) == 1
        await set_unit_settings(session, "so-xd", lead_days=[1], send_time=None, at=now)
        assert await take_slot(session, "telegram", now=now, rate_per_second=1, burst=1) == 0.0

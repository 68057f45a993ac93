"""Revision 0002 (onboarding) goes up, down and up again without losing data."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.plans import Plan
from bot.units import Directory
from storage.chats import bind_chat, get_chat, upsert_chat
from storage.conversations import set_state
from storage.invites import create_invite
from storage.members import get_member, upsert_member
from storage.migrate import alembic_config, current, downgrade, upgrade
from storage.models import Base
from storage.plans import save_plan, task_ids_by_code
from storage.progress import record_update
from storage.units import save_directory
from tests.storage.inspection import inspect_database, table_columns

NEW_TABLES = {"invites", "join_requests", "conversation_states"}
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def _old_rows(connection: Connection) -> tuple[Any, ...]:
    return (
        connection.execute(text("SELECT channel_user_id, unit_id FROM members")).all(),
        connection.execute(text("SELECT member_id, unit_id FROM progress_updates")).all(),
        connection.execute(text("SELECT channel_chat_id, unit_id FROM chats")).all(),
    )


async def _fill(
    sessionmaker: async_sessionmaker[AsyncSession], directory: Directory, plan: Plan,
    now: datetime,
) -> int:
    async with sessionmaker.begin() as session:
        await save_directory(session, directory, at=now)
        await save_plan(session, plan, at=now)
        task_id = (await task_ids_by_code(session, plan.id))["I.1"]
        member = await upsert_member(session, channel="telegram", channel_user_id="42",
                                     display_name="Lan", unit_id="so-xd", chat_id="42", at=now)
        await record_update(session, task_id=task_id, unit_id="so-xd", member_id=member.id,
                            cycle=None, text="xong", percent=100, status="done", at=now)
        await upsert_chat(session, channel="telegram", channel_chat_id="-100", kind="group",
                          title="Sở Xây dựng", at=now)
        await bind_chat(session, channel="telegram", channel_chat_id="-100", unit_id="so-xd",
                        province_wide=False, bound_by="telegram:1", at=now)
        await create_invite(session, code="abc", unit_id="so-xd", created_by="cli", at=now)
        await set_state(session, channel="telegram", chat_id="42", user_id="42", kind="x",
                        data={}, expires_at=now + timedelta(hours=1))
        return member.id


async def test_down_to_0001_and_up_again_keeps_the_data(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], directory: Directory,
    plan: Plan, now: datetime,
) -> None:
    member_id = await _fill(sessionmaker, directory, plan, now)
    before = await inspect_database(database_url, _old_rows)

    await downgrade(database_url, "0001")
    assert await current(database_url) == "0001"
    schema = await inspect_database(database_url, table_columns)
    assert not NEW_TABLES & set(schema)
    assert "chat_id" not in schema["members"]
    assert not {"bound_by", "updated_at"} & schema["chats"]
    # The old rows survive, progress updates still name their member.
    assert await inspect_database(database_url, _old_rows) == before
    assert before[1] == [(member_id, "so-xd")]

    await upgrade(database_url)
    assert await current(database_url) == HEAD
    schema = await inspect_database(database_url, table_columns)
    assert set(schema) == {*Base.metadata.tables, "alembic_version"}
    assert await inspect_database(database_url, _old_rows) == before
    async with sessionmaker() as session:
        member = await get_member(session, "telegram", "42")
        chat = await get_chat(session, "telegram", "-100")
    assert member is not None and member.chat_id is None  # learned again at next contact
    assert chat is not None and (chat.unit_id, chat.bound_by, chat.updated_at) == (
        "so-xd", None, None
    )

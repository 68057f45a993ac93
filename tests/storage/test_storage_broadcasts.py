"""Broadcast rows on both backends: each status change happens once, progress is
shown at most once per interval, an acknowledgement counts once, and the outcome of
each message is read back with whom it was for."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.units import Directory
from storage import broadcasts as store
from storage.chats import bind_chat, upsert_chat
from storage.members import upsert_member
from storage.outbox import OutboxDraft, claim, enqueue_many, mark_failed, mark_sent
from storage.units import save_directory

Sessions = async_sessionmaker[AsyncSession]


async def _draft(sessionmaker: Sessions, now: datetime) -> int:
    async with sessionmaker.begin() as session:
        row = await store.create_broadcast(session, created_by="telegram:1",
                                           creator_member_id=None,
                                           content={"text": "Họp lúc 14h"}, language="vi",
                                           at=now)
        return row.id


async def test_a_broadcast_moves_on_once(sessionmaker: Sessions, now: datetime) -> None:
    number = await _draft(sessionmaker, now)
    async with sessionmaker.begin() as session:
        assert await store.set_audience(session, number, {"kind": "all"})
        assert await store.start_queueing(session, number, control_channel="telegram",
                                          control_chat_id="1", control_message_id="9", at=now)
        # A second Send press, or another process: nothing moves twice.
        assert not await store.start_queueing(session, number, control_channel="telegram",
                                              control_chat_id="1", control_message_id="9",
                                              at=now)
        assert not await store.set_audience(session, number, {"kind": "groups"})
        assert await store.status_for_update(session, number) == "queueing"
        assert await store.mark_sending(session, number, 3)
        assert not await store.mark_sending(session, number, 3)
    async with sessionmaker() as session:
        assert [b.id for b in await store.unfinished(session)] == [number]
    async with sessionmaker.begin() as session:
        assert await store.finish(session, number, at=now)
        assert not await store.finish(session, number, at=now)  # the summary goes once
        row = await store.get_broadcast(session, number)
        assert row is not None and (row.status, row.total, row.audience) == (
            "done", 3, {"kind": "all"})
        assert await store.unfinished(session) == []
        assert [b.id for b in await store.recent_broadcasts(session, 5)] == [number]


async def test_cancelling(sessionmaker: Sessions, now: datetime) -> None:
    draft, running = await _draft(sessionmaker, now), await _draft(sessionmaker, now)
    async with sessionmaker.begin() as session:
        await store.start_queueing(session, running, control_channel=None,
                                   control_chat_id=None, control_message_id=None, at=now)
        assert await store.cancel(session, draft, by="telegram:1", at=now)
        assert await store.cancel(session, running, by="telegram:1", at=now)
        assert not await store.cancel(session, running, by="telegram:1", at=now)
    async with sessionmaker() as session:
        # The draft is over at once; the stopped one waits for its messages in flight.
        assert [b.id for b in await store.unfinished(session)] == [running]
        assert await store.recent_broadcasts(session, 5) == [
            await store.get_broadcast(session, running)]
    async with sessionmaker.begin() as session:
        assert await store.finish(session, running, at=now)
        assert await store.unfinished(session) == []


async def test_progress_at_most_once_per_interval_and_never_the_same(
        sessionmaker: Sessions, now: datetime) -> None:
    number = await _draft(sessionmaker, now)
    every = timedelta(seconds=5)
    async with sessionmaker.begin() as session:
        assert await store.claim_progress(session, number, at=now, interval=every, text="1/9")
        assert not await store.claim_progress(session, number, at=now + timedelta(seconds=2),
                                              interval=every, text="2/9")
        assert not await store.claim_progress(session, number, at=now + timedelta(seconds=6),
                                              interval=every, text="1/9")
        assert await store.claim_progress(session, number, at=now + timedelta(seconds=6),
                                          interval=every, text="4/9")


async def test_acknowledged_once_per_person(sessionmaker: Sessions, now: datetime) -> None:
    number = await _draft(sessionmaker, now)
    async with sessionmaker.begin() as session:
        assert await store.record_ack(session, broadcast_id=number, channel="telegram",
                                      user_id="5", member_id=None, chat_id="-100", at=now)
        assert not await store.record_ack(session, broadcast_id=number, channel="telegram",
                                          user_id="5", member_id=None, chat_id="5", at=now)
        assert await store.record_ack(session, broadcast_id=number, channel="zalo",
                                      user_id="5", member_id=None, chat_id="z5", at=now)
        assert [(a.channel, a.chat_id) for a in await store.acks(session, number)] == [
            ("telegram", "-100"), ("zalo", "z5")]


async def test_deliveries_name_members_and_groups(sessionmaker: Sessions, now: datetime,
                                                  directory: Directory) -> None:
    number = await _draft(sessionmaker, now)
    key = store.group_key(number)
    async with sessionmaker.begin() as session:
        await save_directory(session, directory, at=now)
        member = await upsert_member(session, channel="telegram", channel_user_id="7",
                                     display_name="Lan", unit_id="so-xd", chat_id="7", at=now)
        await upsert_chat(session, channel="telegram", channel_chat_id="-100", kind="group",
                          title="Nhóm Xây dựng", at=now)
        await bind_chat(session, channel="telegram", channel_chat_id="-100", unit_id="so-xd",
                        province_wide=False, bound_by="cli", at=now)
        await enqueue_many(session, [
            OutboxDraft(f"{key}/m{member.id}", "telegram", "7", {}, now, "broadcast", key,
                        member.id),
            OutboxDraft(f"{key}/c-100", "telegram", "-100", {}, now, "broadcast", key, None),
            OutboxDraft("other", "telegram", "8", {}, now),
        ], at=now)
        first, second, _ = await claim(session, owner="w", now=now, limit=3,
                                       lease=timedelta(minutes=1))
        await mark_sent(session, first.id, owner="w", at=now)
        await mark_failed(session, second.id, owner="w", at=now, error="Forbidden: kicked",
                          failure="removed")
    async with sessionmaker() as session:
        delivered = await store.deliveries(session, number)
        failed = await store.deliveries(session, number, ("failed",))
    assert [(d.member_name, d.unit_id, d.status) for d in delivered] == [
        ("Lan", "so-xd", "sent"), (None, "so-xd", "failed")]
    assert [(d.chat_title, d.failure, d.member_id) for d in failed] == [
        ("Nhóm Xây dựng", "removed", None)]

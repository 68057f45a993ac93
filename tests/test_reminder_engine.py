"""The reminder engine on a real database, ticked by an injected clock: who gets what,
exactly once, across restarts and downtime; and the outbox worker's outcomes.

The week of the 05/08/2023 report (a Saturday): before-3 on Tue 01/08, before-1 on
Thu 03/08, the due-day reminder on Fri 04/08 at 08:00, the escalation at 16:00.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import App, running_app
from bot.config import Settings
from bot.members import Member, MemberRole
from bot.messages import reply_from_payload
from bot.outbox import Gone, OutboxWorker, Outcome, Retry, Sent
from bot.rich import to_plain
from storage import outbox as outbox_store
from storage.models import OutboxMessage
from storage.plans import task_ids_by_code
from storage.progress import record_update

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
III2_UNITS = 28  # every department but Sở KH&ĐT, and the 8 localities


def at(day: str, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(),
                            tzinfo=HANOI).replace(hour=hour, minute=minute)


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: at("2023-07-31", 7))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class FakeChannel:
    """Records deliveries; answers with scripted outcomes first, then Sent."""

    delivered: list[tuple[str, str, list[str]]] = field(default_factory=list)
    script: list[Outcome] = field(default_factory=list)
    unreachable_chats: list[str] = field(default_factory=list)

    async def deliver(self, chat_id: str, payload: dict[str, Any]) -> Outcome:
        if self.script:
            outcome = self.script.pop(0)
            if not isinstance(outcome, Sent):
                return outcome
        reply = reply_from_payload(payload)
        buttons = [o.data for row in reply.options for o in row]
        self.delivered.append((chat_id, to_plain(reply.body), buttons))
        return Sent()

    async def unreachable(self, chat_id: str) -> None:
        self.unreachable_chats.append(chat_id)

    def to(self, chat_id: str) -> list[str]:
        return [text for chat, text, _ in self.delivered if chat == chat_id]


@dataclass
class World:
    app: App
    clock: Clock
    channel: FakeChannel
    worker: OutboxWorker
    members: dict[str, Member]
    sleeps: list[float]

    async def tick(self, when: datetime) -> int:
        self.clock.now = when
        return (await self.app.usecases.reminders.tick(when)).enqueued

    async def drain(self) -> int:
        return await self.worker.drain()


async def _enroll(app: App, name: str, unit: str, now: datetime,
                  role: MemberRole = MemberRole.OFFICER) -> Member:
    return await app.services.enroll("local", name, unit_id=unit, role=role, at=now,
                                     display_name=name, chat_id=f"chat-{name}")


async def _world(path: Path, clock: Clock, **settings: Any) -> AsyncIterator[World]:
    config = Settings(database_url=f"sqlite+aiosqlite:///{path / 'bot.db'}",
                      admins=("local:boss",), **settings)
    async with running_app(config, clock=clock) as app:
        now = clock()
        members = {
            "tp1": await _enroll(app, "tp1", "so-tp", now),
            "tp2": await _enroll(app, "tp2", "so-tp", now),  # will mute
            "tp3": await _enroll(app, "tp3", "so-tp", now),  # away 1-2 August
            "tc1": await _enroll(app, "tc1", "so-tc", now),
            "dpi": await _enroll(app, "dpi", "so-khdt", now),  # collects; never reminded
        }
        await app.usecases.preferences.mute(members["tp2"], True)
        await app.usecases.preferences.add_absence(members["tp3"], date(2023, 8, 1),
                                                   date(2023, 8, 2), now)
        groups = app.usecases.groups
        await groups.bind("local", "group-tp", title="TP", unit_id="so-tp", bound_by="t",
                          now=now)
        await groups.bind("local", "group-all", title="Tỉnh", unit_id=None, bound_by="t",
                          now=now)
        channel = FakeChannel()
        sleeps: list[float] = []

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            clock.now += timedelta(seconds=seconds)

        worker = OutboxWorker(app.sessions, {"local": channel}, clock=clock, owner="w1",
                              rate_per_second=1000, sleep=sleep)
        yield World(app, clock, channel, worker, members, sleeps)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async for w in _world(tmp_path, Clock()):
        yield w


async def test_before_reminders_go_to_members_groups_and_province(world: World) -> None:
    await world.tick(at("2023-08-01", 7))
    enqueued = await world.tick(at("2023-08-01", 9))  # 08:00 before-3 is due
    assert enqueued > 0
    assert await world.drain() == enqueued
    channel = world.channel
    (to_tp1,) = channel.to("chat-tp1")
    assert "Còn 3 ngày làm việc: Báo cáo định kỳ gửi Sở Kế hoạch và Đầu tư" in to_tp1
    assert "Hạn: trước ngày 05/08/2023 (Thứ Bảy)" in to_tp1
    assert "Gửi tới: Sở Kế hoạch và Đầu tư" in to_tp1
    assert "«trước ngày 05 và 22 hàng tháng» · III.2" in to_tp1
    assert "Sở Tư pháp chưa gửi cập nhật cho kỳ này." in to_tp1
    assert "/update III.2" in to_tp1
    buttons = next(b for chat, _, b in channel.delivered if chat == "chat-tp1")
    assert buttons and buttons[0].startswith("upd:c:") and buttons[0].endswith(":20230805")
    assert channel.to("chat-tp2") == []  # muted
    assert channel.to("chat-tp3") == []  # away
    assert channel.to("chat-dpi") == []  # Sở KH&ĐT collects, it does not report
    assert len(channel.to("chat-tc1")) == 1
    assert len(channel.to("group-tp")) == 1
    (province,) = channel.to("group-all")  # once, listing every unit concerned
    assert f"Còn {III2_UNITS} đơn vị chưa báo cáo:" in province
    assert "• Sở Tư pháp" in province and "• Sở Kế hoạch và Đầu tư" not in province


async def test_ticks_and_restarts_never_repeat(tmp_path: Path) -> None:
    clock = Clock(at("2023-08-01", 7))
    async for world in _world(tmp_path, clock):
        await world.tick(at("2023-08-01", 7))
        first = await world.tick(at("2023-08-01", 8, 30))
        assert first > 0
        assert await world.tick(at("2023-08-01", 8, 30)) == 0
        assert await world.tick(at("2023-08-01", 11)) == 0
        await world.drain()
        delivered = len(world.channel.delivered)
    # A restart: a new process on the same database, mid-day.
    async for world in _world(tmp_path, clock):
        assert await world.tick(at("2023-08-01", 15)) == 0
        assert await world.drain() == 0
    assert delivered == first


async def test_downtime_catch_up_once_and_skip_stale(tmp_path: Path) -> None:
    clock = Clock(at("2023-08-01", 7))
    async for world in _world(tmp_path, clock):
        await world.tick(at("2023-08-01", 7))
        # Down from 07:00 to 12:00: the 08:00 reminders are caught up, once.
        caught = await world.tick(at("2023-08-01", 12))
        assert caught > 0
        assert await world.tick(at("2023-08-01", 12, 5)) == 0
        # Down from 01/08 12:00 to 03/08 09:00: the 03/08 08:00 reminders are sent;
        # nothing was due in between, nothing older is replayed.
        assert await world.tick(at("2023-08-03", 9)) > 0
        # Down across the due date: 04/08 reminders and escalation are stale by the 7th.
        result = await world.app.usecases.reminders.tick(at("2023-08-07", 9))
        assert result.enqueued == 0 and result.skipped > 0


async def test_catch_up_window_is_a_setting(tmp_path: Path) -> None:
    clock = Clock(at("2023-08-01", 7))
    async for world in _world(tmp_path, clock, reminder_catchup_hours=2):
        await world.tick(at("2023-08-01", 7))
        result = await world.app.usecases.reminders.tick(at("2023-08-01", 11))
        assert result.enqueued == 0 and result.skipped > 0  # 08:00 is 3 h old: too late


async def test_a_unit_that_reported_gets_no_more_reminders(world: World) -> None:
    await world.tick(at("2023-08-01", 7))
    await world.tick(at("2023-08-01", 9))
    await world.drain()
    async with world.app.sessions.begin() as session:
        ids = await task_ids_by_code(session, "bn-2023-q3")
        await record_update(session, task_id=ids["III.2"], unit_id="so-tp",
                            member_id=world.members["tp1"].id, cycle=date(2023, 8, 5),
                            text="Đã gửi", percent=100, status="done", at=world.clock())
    before = len(world.channel.to("chat-tp1"))
    await world.tick(at("2023-08-03", 9))  # before-1
    await world.tick(at("2023-08-04", 9))  # due day
    await world.tick(at("2023-08-04", 17))  # escalation
    await world.drain()
    assert len(world.channel.to("chat-tp1")) == before  # nothing more for Sở Tư pháp
    assert len(world.channel.to("chat-tc1")) == 3  # Sở Tài chính still gets them
    (escalation,) = [t for t in world.channel.to("boss") if "Đến hạn hôm nay" in t
                     and "III.2" in t]
    assert f"Còn {III2_UNITS - 1} đơn vị chưa báo cáo:" in escalation
    assert "• Sở Tài chính" in escalation and "• Sở Tư pháp" not in escalation


async def test_muted_and_absent_members_get_nothing_groups_still_do(world: World) -> None:
    await world.tick(at("2023-08-01", 7))
    for day in ("2023-08-01", "2023-08-03", "2023-08-04"):
        await world.tick(at(day, 9))
    await world.drain()
    assert world.channel.to("chat-tp2") == []  # muted throughout
    assert len(world.channel.to("chat-tp3")) == 2  # away 1-2/8 only: 03/08 and 04/08
    assert len(world.channel.to("group-tp")) == 3


async def test_outbox_retries_then_delivers_once_and_stops_on_gone(world: World) -> None:
    await world.tick(at("2023-08-01", 7))
    enqueued = await world.tick(at("2023-08-01", 9))
    world.channel.script = [Retry("429", after=7, pause_all=True), Retry("502"),
                            Gone("blocked")]
    handled = await world.drain()
    # The two retried rows come back when their time has come.
    world.clock.now += timedelta(minutes=5)
    handled += await world.drain()
    assert 7.0 in world.sleeps  # a 429 pauses every send for as long as asked
    delivered = world.channel.delivered
    assert len(delivered) == enqueued - 1  # all but the one that is gone
    keys = [(chat, text) for chat, text, _ in delivered]
    assert len(set(keys)) == len(keys)  # none twice
    assert len(world.channel.unreachable_chats) == 1
    async with world.app.sessions() as session:
        counts = await outbox_store.outbox_counts(session)
    assert counts.get("failed") == 1 and counts.get("sent") == enqueued - 1


async def test_preview_is_the_units_schedule_without_members(world: World) -> None:
    engine = world.app.usecases.reminders
    schedule = await engine.schedule(at("2027-01-01", 0), at("2027-03-01", 0),
                                     units={"ubnd-h-luong-tai"})
    kinds = [(r.kind.value, r.lead, r.due.isoformat()) for r in schedule
             if r.task.code == "III.2" and r.due == date(2027, 2, 5)]
    assert kinds == [("before", 3, "2027-02-05"), ("before", 1, "2027-02-05"),
                     ("due_day", 0, "2027-02-05"), ("escalation", 0, "2027-02-05")]
    due_day = next(r for r in schedule if r.kind.value == "due_day" and
                   r.due == date(2027, 2, 5))
    assert due_day.send_at == at("2027-02-03", 8)  # Tết: the last working day before


async def test_a_batch_whose_lease_runs_short_is_handed_back(world: World) -> None:
    await world.tick(at("2023-08-01", 7))
    enqueued = await world.tick(at("2023-08-01", 9))
    # The platform asks for a long wait after the first message: the rest of the
    # batch would be sent after its lease ran out, so it is released, not sent late.
    world.channel.script = [Retry("429", after=600, pause_all=True)]
    await world.drain()
    async with world.app.sessions() as session:
        counts = await outbox_store.outbox_counts(session)
    assert counts.get("sending", 0) == 0
    async with world.app.sessions() as session:
        errors = list(await session.scalars(select(OutboxMessage.last_error)))
    assert "lease ran short" in errors  # handed back, then sent on a fresh claim
    world.clock.now += timedelta(minutes=15)
    await world.drain()
    keys = [(chat, text) for chat, text, _ in world.channel.delivered]
    assert len(keys) == len(set(keys)) == enqueued


async def test_leads_get_their_own_units_escalation_only(world: World) -> None:
    now = world.clock()
    tp_lead = await _enroll(world.app, "tplead", "so-tp", now, MemberRole.LEAD)
    tc_lead = await _enroll(world.app, "tclead", "so-tc", now, MemberRole.LEAD)
    away = await _enroll(world.app, "awaylead", "so-tc", now, MemberRole.LEAD)
    await world.app.usecases.preferences.add_absence(away, date(2023, 8, 4),
                                                     date(2023, 8, 4), now)
    async with world.app.sessions.begin() as session:
        ids = await task_ids_by_code(session, "bn-2023-q3")
        await record_update(session, task_id=ids["III.2"], unit_id="so-tp",
                            member_id=world.members["tp1"].id, cycle=date(2023, 8, 5),
                            text="Đã gửi", percent=100, status="done", at=now)
    await world.tick(at("2023-08-04", 15))
    await world.drain()
    world.channel.delivered.clear()
    enqueued = await world.tick(at("2023-08-04", 17))  # the escalations fall due
    assert await world.drain() == enqueued
    (to_tc_lead,) = [t for t in world.channel.to("chat-tclead") if "III.2" in t]
    assert "⚠ Đến hạn hôm nay" in to_tc_lead
    assert "Sở Tài chính chưa gửi cập nhật cho kỳ này." in to_tc_lead
    assert "Sở Tư pháp" not in to_tc_lead and "đơn vị chưa báo cáo" not in to_tc_lead
    assert "/update III.2" in to_tc_lead  # a lead can report at once
    # Sở Tư pháp reported: its lead hears nothing; an absent lead neither.
    assert world.channel.to("chat-tplead") == []
    assert world.channel.to("chat-awaylead") == []
    # The admins still get the whole list, and nothing is enqueued twice.
    assert any("• Sở Tài chính" in t for t in world.channel.to("boss"))
    assert await world.tick(at("2023-08-04", 17, 30)) == 0
    async with world.app.sessions() as session:
        keys = list(await session.scalars(select(OutboxMessage.key).where(
            OutboxMessage.recipient_member_id == tc_lead.id)))
    # A lead is a member too (the due-day reminder), and has one escalation row.
    assert [k for k in keys if "/escalation/" in k] == [
        f"rem:bn-2023-q3/III.2/2023-08-05/escalation/0/*/lead/m{tc_lead.id}"]
    async with world.app.sessions() as session:
        to_tp_lead = await session.scalar(select(OutboxMessage.key).where(
            OutboxMessage.recipient_member_id == tp_lead.id,
            OutboxMessage.key.contains("/escalation/")))
    assert to_tp_lead is None


async def test_stopping_hands_the_rest_of_a_batch_back_at_once(world: World) -> None:
    await world.tick(at("2023-08-01", 7))
    enqueued = await world.tick(at("2023-08-01", 9))
    assert enqueued >= 3
    stop = asyncio.Event()
    channel = world.channel
    original = channel.deliver

    async def deliver_then_stop(chat_id: str, payload: dict[str, Any]) -> Outcome:
        outcome = await original(chat_id, payload)
        if len(channel.delivered) == 2:
            stop.set()  # SIGTERM arrives while the second message is going out
        return outcome

    channel.deliver = deliver_then_stop  # type: ignore[method-assign]
    assert await world.worker.drain(stop) == 2
    async with world.app.sessions() as session:
        counts = await outbox_store.outbox_counts(session)
        errors = list(await session.scalars(select(OutboxMessage.last_error)))
    # Nothing is left claimed: the next process sends the rest at once, not after a lease.
    assert counts["sending"] == 0 and counts["sent"] == 2
    assert counts["pending"] == enqueued - 2 and "handed back at shutdown" in errors
    channel.deliver = original  # type: ignore[method-assign]
    await world.drain()
    assert len(channel.delivered) == enqueued

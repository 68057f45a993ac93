"""Broadcasts through the neutral conversation layer: composing, every kind of
audience, the preview's counts against what is delivered, stopping, blocked
recipients in the summary, acknowledgements, forged buttons, resuming after a crash.

Delivery is a recording outbox channel driven by the real ``OutboxWorker``; the
Telegram end of it is in tests/test_telegram_broadcasts.py.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.app import App
from bot.members import MemberRole
from bot.messages import Media, Reply, reply_from_payload
from bot.outbox import Failure, Gone, OutboxWorker, Outcome, Sent
from bot.rich import to_plain
from bot.usecases.broadcasts import OWN_COPY_DELAY
from storage import broadcasts as store
from storage import outbox as outbox_store
from storage.models import OutboxMessage
from storage.models_broadcasts import BroadcastRow
from tests.conversation_kit import ADMIN, NOW, data, say, text
from tests.telegram_harness import Clock

UNITS = {"so-tp": 3, "so-yt": 2, "ubnd-h-gia-binh": 2, "to-cg-1": 1}  # officers per unit


@dataclass
class Recorder:
    """The "chat" channel: records what the outbox delivers and what the monitor
    shows; chats in ``blocked`` refuse like a user who blocked the bot."""

    delivered: list[tuple[str, Reply]] = field(default_factory=list)
    shown: list[tuple[str, Reply]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    on_deliver: Any = None

    async def deliver(self, chat_id: str, payload: dict[str, Any]) -> Outcome:
        if self.on_deliver is not None:
            await self.on_deliver(len(self.delivered))
        if chat_id in self.blocked:
            return Gone("Forbidden: bot was blocked by the user", Failure.BLOCKED)
        self.delivered.append((chat_id, reply_from_payload(payload)))
        return Sent()

    async def unreachable(self, chat_id: str) -> None:
        return None

    async def show(self, chat_id: str, reply: Reply) -> str | None:
        self.shown.append((chat_id, reply))
        return "card"

    def chats(self) -> Counter[str]:
        return Counter(chat for chat, _ in self.delivered)


async def _people(app: App) -> None:
    for unit, count in UNITS.items():
        for n in range(count):
            user = f"{unit}-{n}"
            await app.services.enroll("chat", user, unit_id=unit, role=MemberRole.OFFICER,
                                      at=NOW, display_name=f"Cán bộ {user}", chat_id=user)
    for chat, unit in (("-1", "so-tp"), ("-2", "so-yt"), ("-3", None)):
        await app.usecases.groups.bind("chat", chat, title=f"Nhóm {chat}", unit_id=unit,
                                       bound_by=f"chat:{ADMIN}", now=NOW)


@dataclass
class World:
    app: App
    recorder: Recorder
    worker: OutboxWorker
    clock: Clock


async def _world(app: App) -> World:
    await _people(app)
    recorder = Recorder()
    app.delivery.register("chat", recorder.show)

    async def no_sleep(seconds: float) -> None:
        return None

    clock = Clock(NOW)
    worker = OutboxWorker(app.sessions, {"chat": recorder}, clock=clock, owner="test",
                          rate_per_second=1000, sleep=no_sleep)
    return World(app, recorder, worker, clock)


async def compose(app: App, message: str = "Họp giao ban lúc 14h, phòng 2.") -> int:
    replies = await say(app, ADMIN, "/broadcast")
    assert "Gửi nội dung thông báo" in text(replies)
    replies = await say(app, ADMIN, message)
    assert "Gửi thông báo #" in text(replies)
    match = re.search(r"bc:a:(\d+):all", " ".join(data(replies)))
    assert match, data(replies)
    return int(match.group(1))


def reach_of(replies: list[Reply]) -> tuple[int, int]:
    found = re.search(r"Sẽ gửi tới (\d+) người và (\d+) nhóm", text(replies))
    assert found, text(replies)
    return int(found.group(1)), int(found.group(2))


async def send(world: World, number: int) -> None:
    replies = await say(world.app, ADMIN, choice=f"bc:go:{number}")
    assert "Đang gửi thông báo" in text(replies)
    # The sender's own copy waits two seconds (OWN_COPY_DELAY): after the others.
    await world.worker.drain()
    world.clock.now = NOW + OWN_COPY_DELAY
    await world.worker.drain()


async def everyone(world: World) -> set[str]:
    return {f"{u}-{n}" for u, c in UNITS.items() for n in range(c)} | {ADMIN}


# --- the flow ------------------------------------------------------------------------------


async def test_everyone_preview_matches_delivery_and_the_summary(app: App) -> None:
    world = await _world(app)
    number = await compose(app)
    preview = await say(app, ADMIN, choice=f"bc:a:{number}:all")
    sample = preview[1]
    assert to_plain(sample.body).startswith("📢 Thông báo\nHọp giao ban lúc 14h, phòng 2.")
    assert "— Nguyễn Văn A" in to_plain(sample.body)
    assert data([sample]) == [f"bc:ok:{number}"]
    people, groups = reach_of(preview)
    assert (people, groups) == (9, 0)  # 8 officers and the admin, privately; no groups
    await send(world, number)
    assert world.recorder.chats() == Counter(await everyone(world))
    assert world.recorder.delivered[-1][0] == ADMIN  # the sender's own copy last
    # Exactly what the preview showed.
    assert all(to_plain(r.body) == to_plain(sample.body) for _, r in world.recorder.delivered)
    assert await app.monitor.tick(NOW) == 1
    [(chat, summary)] = world.recorder.shown
    assert chat == ADMIN
    assert "Đã gửi xong thông báo #" in to_plain(summary.body)
    assert "Đã gửi 9 · lỗi 0 · còn lại 0 · đã bỏ 0" in to_plain(summary.body)
    assert await app.monitor.tick(NOW) == 0  # finished once


async def test_groups_audience(app: App) -> None:
    world = await _world(app)
    number = await compose(app)
    assert reach_of(await say(app, ADMIN, choice=f"bc:a:{number}:groups")) == (0, 3)
    await send(world, number)
    assert world.recorder.chats() == Counter({"-1": 1, "-2": 1, "-3": 1})


async def test_chosen_units_by_search_and_toggle(app: App) -> None:
    world = await _world(app)
    number = await compose(app)
    picker = await say(app, ADMIN, choice=f"bc:a:{number}:units")
    assert "Gõ tên đơn vị để tìm" in text(picker)
    found = await say(app, ADMIN, "so tu phap")
    assert f"bc:t:{number}:so-tp" in data(found)
    chosen = await say(app, ADMIN, choice=f"bc:t:{number}:so-tp")
    assert "Đã chọn (1): Sở Tư pháp" in text(chosen)
    await say(app, ADMIN, "gia binh")
    await say(app, ADMIN, choice=f"bc:t:{number}:ubnd-h-gia-binh")
    await say(app, ADMIN, "so y te")
    await say(app, ADMIN, choice=f"bc:t:{number}:so-yt")
    unchosen = await say(app, ADMIN, choice=f"bc:t:{number}:so-yt")  # changed my mind
    assert "Đã chọn (2)" in text(unchosen)
    preview = await say(app, ADMIN, choice=f"bc:d:{number}")
    assert "Người nhận: Sở Tư pháp, UBND huyện Gia Bình" in text(preview)
    assert reach_of(preview) == (5, 1)  # 3 + 2 officers, the Sở Tư pháp group
    await send(world, number)
    assert world.recorder.chats() == Counter(
        {"so-tp-0": 1, "so-tp-1": 1, "so-tp-2": 1, "ubnd-h-gia-binh-0": 1,
         "ubnd-h-gia-binh-1": 1, "-1": 1})


async def test_a_kind_of_unit(app: App) -> None:
    world = await _world(app)
    number = await compose(app)
    menu = await say(app, ADMIN, choice=f"bc:a:{number}:kind")
    assert f"bc:k:{number}:expert_team" in data(menu)
    preview = await say(app, ADMIN, choice=f"bc:k:{number}:department")
    assert reach_of(preview) == (5, 2)  # Sở Tư pháp and Sở Y tế, with their groups
    await send(world, number)
    assert set(world.recorder.chats()) == {"so-tp-0", "so-tp-1", "so-tp-2", "so-yt-0",
                                           "so-yt-1", "-1", "-2"}


async def test_pressing_send_twice_sends_once(app: App) -> None:
    world = await _world(app)
    number = await compose(app)
    await say(app, ADMIN, choice=f"bc:a:{number}:all")
    await send(world, number)
    again = await say(app, ADMIN, choice=f"bc:go:{number}")
    assert "đã được gửi hoặc đã huỷ" in text(again)
    await world.worker.drain()
    assert max(world.recorder.chats().values()) == 1


async def test_a_blocked_recipient_is_named_in_the_summary(app: App) -> None:
    world = await _world(app)
    world.recorder.blocked.add("so-yt-1")
    number = await compose(app)
    await say(app, ADMIN, choice=f"bc:a:{number}:all")
    await send(world, number)
    await app.monitor.tick(NOW)
    summary = to_plain(world.recorder.shown[-1][1].body)
    assert "Đã gửi 8 · lỗi 1" in summary
    assert "Không gửi được tới:\n• Cán bộ so-yt-1 (Sở Y tế) — đã chặn bot" in summary


async def test_stopping_mid_way_keeps_what_was_sent_and_drops_the_rest(app: App) -> None:
    world = await _world(app)
    number = await compose(app)
    await say(app, ADMIN, choice=f"bc:a:{number}:all")

    async def stop_after_four(delivered: int) -> None:
        if delivered == 4:
            stopped = await say(app, ADMIN, choice=f"bc:x:{number}")
            assert "Đã dừng thông báo" in text(stopped)

    world.recorder.on_deliver = stop_after_four
    await send(world, number)
    # The message being sent when Stop was pressed still went: at most one more.
    assert len(world.recorder.delivered) == 5
    await app.monitor.tick(NOW)
    summary = to_plain(world.recorder.shown[-1][1].body)
    assert "Đã dừng thông báo" in summary and "Đã gửi 5 · lỗi 0 · còn lại 0 · đã bỏ 4" in summary


async def test_cancelling_a_draft_sends_nothing(app: App) -> None:
    world = await _world(app)
    number = await compose(app)
    await say(app, ADMIN, choice=f"bc:a:{number}:all")
    assert "chưa gửi tin nào" in text(await say(app, ADMIN, choice=f"bc:x:{number}"))
    assert "đã được gửi hoặc đã huỷ" in text(await say(app, ADMIN, choice=f"bc:go:{number}"))
    await world.worker.drain()
    assert world.recorder.delivered == []


async def test_acknowledgements(app: App) -> None:
    world = await _world(app)
    number = await compose(app)
    await say(app, ADMIN, choice=f"bc:a:{number}:units")
    await say(app, ADMIN, "so tu phap")
    await say(app, ADMIN, choice=f"bc:t:{number}:so-tp")
    await say(app, ADMIN, choice=f"bc:d:{number}")
    # Before it is sent, the preview's button acknowledges nothing.
    assert "chỉ là bản xem trước" in text(await say(app, ADMIN, choice=f"bc:ok:{number}"))
    await send(world, number)
    thanks = await say(app, "so-tp-0", choice=f"bc:ok:{number}")
    assert thanks[0].notice and "đã ghi nhận" in text(thanks)
    assert "đã xác nhận thông báo này rồi" in text(
        await say(app, "so-tp-0", choice=f"bc:ok:{number}"))
    # In the group, someone presses it for the group.
    await say(app, "so-tp-2", choice=f"bc:ok:{number}", chat="-1", group=True)
    details = text(await say(app, ADMIN, choice=f"bc:i:{number}"))
    assert "Đã xác nhận: 2/3 người · 1/1 nhóm" in details
    assert "Chưa xác nhận (1):\n• Cán bộ so-tp-1 (Sở Tư pháp)" in details
    listing = await say(app, ADMIN, "/broadcasts")
    assert f"#{number}" in text(listing) and "đã gửi 4/4 · 2 xác nhận" in text(listing)
    assert data(listing) == [f"bc:i:{number}"]


async def test_a_photo_with_its_caption(app: App) -> None:
    world = await _world(app)
    await say(app, ADMIN, "/broadcast")
    photo = Media("photo", "chat", "AgADphoto1")
    replies = await say(app, ADMIN, "Lịch trực Tết", media=photo)
    number = int(re.findall(r"bc:a:(\d+)", " ".join(data(replies)))[0])
    preview = await say(app, ADMIN, choice=f"bc:a:{number}:groups")
    assert preview[1].media == photo
    await send(world, number)
    assert {r.media for _, r in world.recorder.delivered} == {photo}
    assert "Lịch trực Tết" in to_plain(world.recorder.delivered[0][1].body)


async def test_empty_and_overlong_notices_are_refused(app: App) -> None:
    await say(app, ADMIN, "/broadcast")
    assert "quá dài" in text(await say(app, ADMIN, "x" * 3600))
    assert "đang trống" in text(await say(app, ADMIN, ""))
    async with app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(BroadcastRow)) == 0


async def test_only_admins_and_forged_buttons_change_nothing(app: App) -> None:
    world = await _world(app)
    number = await compose(app)
    await say(app, ADMIN, choice=f"bc:a:{number}:all")
    officer = "so-tp-0"
    assert "Chỉ quản trị viên" in text(await say(app, officer, "/broadcast"))
    assert "Chỉ quản trị viên" in text(await say(app, officer, "/broadcasts"))
    for forged in (f"bc:go:{number}", f"bc:a:{number}:groups", f"bc:x:{number}",
                   f"bc:t:{number}:so-tp", f"bc:i:{number}", f"bc:k:{number}:locality"):
        assert "Chỉ quản trị viên" in text(await say(app, officer, choice=forged))
    report_task = app.services.snapshot.task_ids["bn-2023-q3", "III.2"]
    for nonsense in ("bc:go:99999", "bc:zz:1", "bc:", "bc:go:abc", f"bc:t:{number}:nope",
                     f"bc:k:{number}:collective", f"bc:m:{number}:1:2023",
                     f"bc:m:{number}:{report_task}:20230101", f"bc:m:{number}:99999:20230805"):
        assert "không còn hiệu lực" in text(await say(app, ADMIN, choice=nonsense))
    async with app.sessions() as session:
        row = await session.get(BroadcastRow, number)
        assert row is not None and row.status == "draft"
        assert row.audience == {"kind": "all"}
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    await world.worker.drain()
    assert world.recorder.delivered == []


async def test_queueing_interrupted_by_a_crash_resumes_without_duplicates(app: App) -> None:
    world = await _world(app)
    number = await compose(app)
    await say(app, ADMIN, choice=f"bc:a:{number}:all")
    broadcasts = app.usecases.broadcasts
    # As if the process died right after Send was pressed: the broadcast says
    # "queueing", and only the first three rows made it to the outbox.
    async with app.sessions.begin() as session:
        assert await store.start_queueing(session, number, control_channel="chat",
                                          control_chat_id=ADMIN, control_message_id="card",
                                          at=NOW)
    broadcast = await broadcasts.get(number)
    assert broadcast is not None and broadcast.audience is not None
    drafts = broadcasts._drafts(broadcast, await broadcasts.recipients(broadcast.audience), NOW)
    async with app.sessions.begin() as session:
        await outbox_store.enqueue_many(session, drafts[:3], at=NOW)
    # Too early to call it stalled: the monitor leaves it to the handler.
    await app.monitor.tick(NOW + timedelta(seconds=10))
    async with app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 3
    world.clock.now = NOW + timedelta(minutes=2)
    await app.monitor.tick(world.clock.now)
    await world.worker.drain()
    assert world.recorder.chats() == Counter(await everyone(world))
    await app.monitor.tick(NOW + timedelta(minutes=3))
    assert "Đã gửi 9" in to_plain(world.recorder.shown[-1][1].body)


async def test_progress_is_shown_at_most_every_few_seconds(app: App) -> None:
    world = await _world(app)
    edits: list[str] = []

    async def edit(chat_id: str, message_id: str, reply: Reply) -> None:
        edits.append(to_plain(reply.body))

    app.delivery.register("chat", world.recorder.show, edit)
    number = await compose(app)
    await say(app, ADMIN, choice=f"bc:a:{number}:all")
    await say(app, ADMIN, choice=f"bc:go:{number}", message_id="card-1")
    await app.monitor.tick(NOW)
    await app.monitor.tick(NOW + timedelta(seconds=1))  # too soon, and nothing changed
    assert len(edits) == 1 and "còn lại 9" in edits[0]
    world.clock.now = NOW + OWN_COPY_DELAY
    await world.worker.drain()
    await app.monitor.tick(NOW + timedelta(seconds=2))  # finished: the summary at once
    assert len(edits) == 2 and "Đã gửi xong" in edits[1]
    assert world.recorder.shown == []  # edited in place, nothing sent anew


async def test_units_that_have_not_reported_for_a_cycle(app: App) -> None:
    world = await _world(app)
    # Sở Tư pháp reported for the 05/08 cycle of III.2; Sở Y tế and Gia Bình did not.
    early = NOW.replace(day=3)
    assert "Đã lưu" in text(await say(app, "so-tp-0", "/update III.2 đã gửi báo cáo",
                                      at=early))
    number = await compose(app)
    menu = await say(app, ADMIN, choice=f"bc:a:{number}:missing")
    cycles = [d for d in data(menu) if d.startswith(f"bc:m:{number}:")]
    # The cycle being collected, then the past ones, latest first.
    assert [c[-8:] for c in cycles] == ["20230822", "20230805", "20230722"]
    labels = [o.label for r in menu for row in r.options for o in row]
    missing = len(await app.usecases.reports.missing_units("bn-2023-q3", "III.2",
                                                           NOW.date().replace(day=5)))
    assert f"05/08/2023 · III.2: {missing} đơn vị chưa báo cáo" in labels
    preview = await say(app, ADMIN, choice=cycles[1])
    assert "Người nhận: các đơn vị chưa báo cáo III.2 kỳ 05/08/2023" in text(preview)
    assert reach_of(preview) == (4, 1)  # Sở Y tế's two, Gia Bình's two; Sở Y tế's group
    await send(world, number)
    assert set(world.recorder.chats()) == {"so-yt-0", "so-yt-1", "ubnd-h-gia-binh-0",
                                           "ubnd-h-gia-binh-1", "-2"}

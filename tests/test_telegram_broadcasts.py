"""Broadcasts end to end on Telegram: the admin's flow on the real python-telegram-bot
through our webhook, the outbox sending to the fake Bot API, the card edited with
progress and the summary, blocked recipients, a photo, acknowledgements, and a stop
pressed while the messages are going out."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.members import MemberRole
from bot.usecases.broadcasts import OWN_COPY_DELAY
from storage.members import get_member
from tests.fakes.telegram_api import Call
from tests.fakes.telegram_updates import message_update
from tests.telegram_harness import ADMIN_ID, Harness, last_message_id, press, say, telegram_bot

# Officers by unit (Telegram user ids), and groups bound to units or to the province.
OFFICERS = {"so-tp": (301, 302, 303), "so-yt": (311, 312), "ubnd-h-gia-binh": (321,),
            "to-cg-1": (331,)}
GROUPS = {-4001: "so-tp", -4002: "ubnd-h-gia-binh", -4003: None}
HEADER = "📢 Thông báo"


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[Harness]:
    async with telegram_bot(tmp_path) as harness:
        services, groups = harness.app.services, harness.app.usecases.groups
        for unit, users in OFFICERS.items():
            for user in users:
                await services.enroll("telegram", str(user), unit_id=unit,
                                      role=MemberRole.OFFICER, at=harness.clock(),
                                      display_name=f"Cán bộ {user}", chat_id=str(user))
        for chat, unit in GROUPS.items():
            await groups.bind("telegram", str(chat), title=f"Nhóm {chat}", unit_id=unit,
                              bound_by=f"telegram:{ADMIN_ID}", now=harness.clock())
        yield harness


def _broadcasts(tg: Harness) -> list[Call]:
    return [c for c in tg.api.calls if c.ok and c.method in ("sendMessage", "sendPhoto")
            and HEADER in str(c.params.get("text") or c.params.get("caption") or "")]


async def admin_says(tg: Harness, text: str, **kw: object) -> str:
    count = len(tg.api.sent_messages(ADMIN_ID)) + 1
    await say(tg, ADMIN_ID, text, **kw)
    return await tg.text_to(ADMIN_ID, count)


async def admin_presses(tg: Harness, data: str) -> None:
    await press(tg, ADMIN_ID, data, message_id=last_message_id(tg, ADMIN_ID))
    await tg.settled()


async def compose(tg: Harness, text: str = "Khẩn: nộp báo cáo quý III trước 16h.") -> int:
    assert "Gửi nội dung thông báo" in await admin_says(tg, "/thongbao")
    menu = await admin_says(tg, text)
    assert "Gửi thông báo #" in menu
    number = re.search(r"#(\d+)", menu)
    assert number
    return int(number.group(1))


async def sent_out(tg: Harness, number: int) -> None:
    """Until every message of the broadcast has an outcome in the outbox (the fake may
    have a message before the worker has recorded it as sent)."""
    while (await tg.app.usecases.broadcasts.progress(number)).remaining:
        await tg.service.scheduler.worker.drain()


def preview_reach(tg: Harness) -> tuple[int, int]:
    card = tg.api.sent_messages(ADMIN_ID)[-1]["text"]
    found = re.search(r"Sẽ gửi tới (\d+) người và (\d+) nhóm", card)
    assert found, card
    return int(found.group(1)), int(found.group(2))


async def choose(tg: Harness, number: int, audience: str) -> None:
    """Pick the audience the way an admin does, ending at the preview."""
    match audience:
        case "units":
            await admin_presses(tg, f"bc:a:{number}:units")
            await admin_says(tg, "tu phap")
            await admin_presses(tg, f"bc:t:{number}:so-tp")
            await admin_says(tg, "gia binh")
            await admin_presses(tg, f"bc:t:{number}:ubnd-h-gia-binh")
            await admin_presses(tg, f"bc:d:{number}")
        case "kind":
            await admin_presses(tg, f"bc:a:{number}:kind")
            await admin_presses(tg, f"bc:k:{number}:department")
        case "missing":
            # Sở Tư pháp's first officer reported for the 05/08 cycle; nobody else did.
            await say(tg, 301, "/update III.2 đã gửi báo cáo tuần")
            await tg.settled()
            await admin_presses(tg, f"bc:a:{number}:missing")
            menu = str(tg.api.calls_to("editMessageText")[-1].params["reply_markup"])
            task_id = tg.app.services.snapshot.task_ids["bn-2023-q3", "III.2"]
            assert f"bc:m:{number}:{task_id}:20230822" in menu  # the cycle being collected
            await admin_presses(tg, f"bc:m:{number}:{task_id}:20230822")
        case _:
            await admin_presses(tg, f"bc:a:{number}:{audience}")


EXPECTED = {
    "all": {*(u for users in OFFICERS.values() for u in users), ADMIN_ID},
    "groups": set(GROUPS),
    "units": {301, 302, 303, 321, -4001, -4002},
    "kind": {301, 302, 303, 311, 312, -4001},
    # Of the units with members, those that owe III.2 and have not reported for it.
    "missing": {311, 312, 321, -4002},
}


@pytest.mark.parametrize("audience", list(EXPECTED))
async def test_each_audience_gets_exactly_what_the_preview_counted(tg: Harness,
                                                                    audience: str) -> None:
    number = await compose(tg)
    await choose(tg, number, audience)
    people, groups = preview_reach(tg)
    card_id = last_message_id(tg, ADMIN_ID)
    sample = tg.api.sent_messages(ADMIN_ID)[-2]
    await press(tg, ADMIN_ID, f"bc:go:{number}", message_id=card_id)
    await tg.settled()
    # The admin's own copy (audience "all") waits two seconds, so as not to race the
    # card in the admin's chat.
    tg.clock.advance(OWN_COPY_DELAY)
    tg.app.services.wake_outbox()
    expected = EXPECTED[audience]
    # The admin is among "all": the sample preview is one more message with the header.
    await tg.api.wait_for("sendMessage", count=len(expected) + 1,
                          predicate=lambda c: c.ok and HEADER in str(c.params.get("text")))
    delivered = Counter(int(c.params["chat_id"]) for c in _broadcasts(tg)
                        if c.params is not sample)
    assert delivered == Counter(expected)
    assert (people, groups) == (sum(1 for c in expected if c > 0),
                                sum(1 for c in expected if c < 0))
    # The recipients' message is the preview, word for word and button for button.
    first = next(c for c in _broadcasts(tg) if int(c.params["chat_id"]) != ADMIN_ID)
    assert first.params["text"] == sample["text"]
    assert first.params["reply_markup"] == sample["reply_markup"]
    await sent_out(tg, number)
    assert await tg.app.monitor.tick(tg.clock()) == 1
    summary = tg.api.calls_to("editMessageText")[-1]
    assert int(summary.params["message_id"]) == card_id
    assert "Đã gửi xong thông báo" in summary.params["text"]
    assert f"Đã gửi {len(expected)} · lỗi 0" in summary.params["text"]


async def test_blocked_and_removed_recipients_are_named(tg: Harness) -> None:
    tg.api.state.left_chats.update({312, -4003})  # blocked the bot; removed from the group
    number = await compose(tg)
    await admin_presses(tg, f"bc:a:{number}:groups")
    await admin_presses(tg, f"bc:go:{number}")
    await tg.api.wait_for("sendMessage", count=2, predicate=lambda c: c.ok and HEADER in str(
        c.params.get("text")) and int(c.params["chat_id"]) < 0)
    number2 = await compose(tg, "Thông báo thứ hai")
    await admin_presses(tg, f"bc:a:{number2}:kind")
    await admin_presses(tg, f"bc:k:{number2}:department")
    await admin_presses(tg, f"bc:go:{number2}")
    await tg.api.wait_for("sendMessage", count=5, predicate=lambda c: c.ok and "thứ hai" in str(
        c.params.get("text")) and int(c.params["chat_id"]) != ADMIN_ID)
    await sent_out(tg, number)
    await sent_out(tg, number2)
    assert await tg.app.monitor.tick(tg.clock()) == 2
    first, second = (c.params["text"] for c in tg.api.calls_to("editMessageText")[-2:])
    assert "lỗi 1" in first and "nhóm “Nhóm -4003” — bot không còn trong nhóm" in first
    assert "lỗi 1" in second and "Cán bộ 312 (Sở Y tế) — đã chặn bot" in second
    async with tg.app.sessions() as session:
        blocked = await get_member(session, "telegram", "312")
        assert blocked is not None and not blocked.active  # no more pushes there


async def test_a_photo_goes_as_a_photo_with_its_caption(tg: Harness) -> None:
    assert "Gửi nội dung thông báo" in await admin_says(tg, "/broadcast")
    await say(tg, ADMIN_ID, "Sơ đồ phòng họp", photo="AgACAgIAAxkBAAIB")
    await tg.settled()
    number = int(re.findall(r"#(\d+)", tg.api.sent_messages(ADMIN_ID)[-1]["text"])[0])
    await admin_presses(tg, f"bc:a:{number}:groups")
    preview = [c for c in tg.api.calls_to("sendPhoto") if c.ok]
    assert len(preview) == 1 and preview[0].params["photo"] == "AgACAgIAAxkBAAIB"
    await press(tg, ADMIN_ID, f"bc:go:{number}", message_id=last_message_id(tg, ADMIN_ID))
    sent = await tg.api.wait_for("sendPhoto", count=4, predicate=lambda c: c.ok)
    assert {int(c.params["chat_id"]) for c in sent[1:]} == set(GROUPS)
    assert all(c.params["photo"] == "AgACAgIAAxkBAAIB" and "Sơ đồ phòng họp" in
               c.params["caption"] and "bc:ok:" in str(c.params["reply_markup"])
               for c in sent)


async def test_a_forwarded_message_is_broadcast_as_its_text(tg: Harness) -> None:
    await admin_says(tg, "/thongbao")
    update = message_update("Công văn số 12/UBND về lịch họp", user_id=ADMIN_ID,
                            forwarded_from=999)
    count = len(tg.api.sent_messages(ADMIN_ID)) + 1
    assert await tg.post(update) == 200
    assert "Gửi thông báo #" in await tg.text_to(ADMIN_ID, count)
    await admin_presses(tg, "bc:a:1:groups")
    assert "Công văn số 12/UBND về lịch họp" in tg.api.sent_messages(ADMIN_ID)[-2]["text"]


async def test_acknowledging_shows_a_pop_up_not_a_message(tg: Harness) -> None:
    number = await compose(tg)
    await admin_presses(tg, f"bc:a:{number}:groups")
    await admin_presses(tg, f"bc:go:{number}")
    sent = await tg.api.wait_for("sendMessage", count=3, predicate=lambda c: c.ok and HEADER in
                                 str(c.params.get("text")) and int(c.params["chat_id"]) < 0)
    group_message = next(c for c in sent if int(c.params["chat_id"]) == -4001)
    before = len(tg.api.sent_messages())
    await press(tg, 301, f"bc:ok:{number}", chat_id=-4001, chat_type="supergroup",
                message_id=int(group_message.result["message_id"]))
    await tg.settled()
    answer = tg.api.calls_to("answerCallbackQuery")[-1]
    assert "đã ghi nhận" in answer.params["text"]
    assert len(tg.api.sent_messages()) == before  # nothing posted into the group
    acks = await tg.app.usecases.broadcasts.acknowledgements(number)
    assert (acks.groups_acked, acks.groups) == (1, 3)


async def test_stop_pressed_while_sending(tg: Harness) -> None:
    # Each message takes a while to go out, so there is time to press Stop.
    tg.api.fail_next("sendMessage", "slow", times=50, delay=0.05)
    number = await compose(tg)
    await choose(tg, number, "kind")  # six recipients, the admin not among them
    card_id = last_message_id(tg, ADMIN_ID)
    await press(tg, ADMIN_ID, f"bc:go:{number}", message_id=card_id)
    await tg.api.wait_for("sendMessage", count=3, predicate=lambda c: c.ok and HEADER in str(
        c.params.get("text")) and int(c.params["chat_id"]) != ADMIN_ID)
    await press(tg, ADMIN_ID, f"bc:x:{number}", message_id=card_id)
    await tg.settled()
    await sent_out(tg, number)
    # The message in flight at Stop (its row already cancelled) is marked sent when
    # the platform's answer comes back: give the worker holding it that moment.
    for _ in range(200):
        progress = await tg.app.usecases.broadcasts.progress(number)
        delivered = [c for c in _broadcasts(tg) if int(c.params["chat_id"]) != ADMIN_ID]
        if progress.sent == len(delivered):
            break
        await asyncio.sleep(0.01)
    # Whatever was sent stays sent and is counted; the rest was dropped. At most the
    # messages in flight when Stop was pressed went after it.
    assert progress.sent == len(delivered) and progress.failed == 0
    assert 3 <= len(delivered) <= 4 and progress.dropped == 6 - len(delivered)
    assert await tg.app.monitor.tick(tg.clock()) == 1
    assert "Đã dừng thông báo" in tg.api.calls_to("editMessageText")[-1].params["text"]


async def test_only_admins_broadcast_on_telegram(tg: Harness) -> None:
    count = len(tg.api.sent_messages(301)) + 1
    await say(tg, 301, "/broadcast")
    assert "Chỉ quản trị viên" in await tg.text_to(301, count)
    number = await compose(tg)
    await admin_presses(tg, f"bc:a:{number}:all")
    await press(tg, 301, f"bc:go:{number}", message_id=1)
    await tg.settled()
    assert "Chỉ quản trị viên" in await tg.text_to(301, count + 1)
    assert (await tg.app.usecases.broadcasts.progress(number)).total == 0


async def test_a_document_goes_as_a_document(tg: Harness) -> None:
    await admin_says(tg, "/thongbao")
    await say(tg, ADMIN_ID, "Kế hoạch số 123/KH-UBND", document=("BQACAgIAAxkBAAIC", "kh.pdf"))
    await tg.settled()
    number = int(re.findall(r"#(\d+)", tg.api.sent_messages(ADMIN_ID)[-1]["text"])[0])
    await admin_presses(tg, f"bc:a:{number}:groups")
    await press(tg, ADMIN_ID, f"bc:go:{number}", message_id=last_message_id(tg, ADMIN_ID))
    sent = await tg.api.wait_for("sendDocument", count=4, predicate=lambda c: c.ok)
    assert {int(c.params["chat_id"]) for c in sent[1:]} == set(GROUPS)
    assert all(c.params["document"] == "BQACAgIAAxkBAAIC" and "Kế hoạch số 123/KH-UBND"
               in c.params["caption"] for c in sent)

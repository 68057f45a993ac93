"""Reminders end to end on Telegram: the tick enqueues, the outbox worker sends
through the real python-telegram-bot to the fake Bot API, faults included."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from storage.members import get_member
from tests.fakes.telegram_updates import callback_update, message_update
from tests.telegram_harness import ADMIN_ID, HANOI, Harness, telegram_bot

OFFICER, SECOND = 301, 302


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[Harness]:
    async with telegram_bot(tmp_path) as harness:
        yield harness


async def join(tg: Harness, user: int, unit: str) -> None:
    await tg.post(message_update(f"/invite {unit}", user_id=ADMIN_ID))
    await tg.settled()
    text = tg.api.sent_messages(ADMIN_ID)[-1]["text"]
    code = re.search(r"start=([A-Za-z0-9_-]+)", text)
    assert code
    await tg.post(message_update(f"/start {code.group(1)}", user_id=user))
    await tg.settled()


async def tick_and_send(tg: Harness, when: datetime) -> int:
    tg.clock.now = when
    service = tg.service
    result = await tg.app.usecases.reminders.tick(when)
    await service.scheduler.worker.drain()
    return result.enqueued


def texts_to(tg: Harness, chat: int) -> list[str]:
    return [m["text"] for m in tg.api.sent_messages(chat)]


async def test_reminder_with_a_one_tap_update(tg: Harness) -> None:
    await join(tg, OFFICER, "Sở Tư pháp")
    # 22/08/2023 is a Tuesday: before-3 on Thu 17/08 at 08:00.
    assert await tick_and_send(tg, datetime(2023, 8, 17, 9, 0, tzinfo=HANOI)) > 0
    reminder = texts_to(tg, OFFICER)[-1]
    assert "Còn 3 ngày làm việc" in reminder and "trước ngày 22/08/2023 (Thứ Ba)" in reminder
    markup = tg.api.sent_messages(OFFICER)[-1]["reply_markup"]
    data = markup["inline_keyboard"][0][0]["callback_data"]
    assert data.endswith(":20230822")
    message_id = tg.api.calls_to("sendMessage")[-1].result["message_id"]
    await tg.post(callback_update(data, user_id=OFFICER, message_id=message_id))
    await tg.settled()
    assert "Kỳ báo cáo: 22/08/2023" in texts_to(tg, OFFICER)[-1]
    await tg.post(message_update("Đã gửi báo cáo kỳ này", user_id=OFFICER))
    await tg.settled()
    assert "kỳ 22/08/2023 · hoàn thành" in texts_to(tg, OFFICER)[-1]
    # Reported: no before-1 on Mon 21/08 for Sở Tư pháp.
    count = len(texts_to(tg, OFFICER))
    await tick_and_send(tg, datetime(2023, 8, 21, 9, 0, tzinfo=HANOI))
    assert len(texts_to(tg, OFFICER)) == count


async def test_faults_at_the_platform(tg: Harness) -> None:
    await join(tg, OFFICER, "Sở Tư pháp")
    await join(tg, SECOND, "Sở Tài chính")
    api = tg.api
    api.fail_next("sendMessage", "retry_after", chat_id=OFFICER, retry_after=4)
    api.fail_next("sendMessage", "server_error", chat_id=OFFICER)
    api.fail_next("sendMessage", "forbidden", chat_id=SECOND)
    when = datetime(2023, 8, 17, 9, 0, tzinfo=HANOI)
    await tick_and_send(tg, when)
    # The retries come back once their time has come (the clock is ours).
    for minutes in (1, 5, 30):
        tg.clock.now = when + timedelta(minutes=minutes)
        await tg.service.scheduler.worker.drain()
    reminders = [t for t in texts_to(tg, OFFICER) if "Còn 3 ngày làm việc" in t]
    assert len(reminders) == 1  # delivered, once
    assert not [t for t in texts_to(tg, SECOND) if "Còn 3 ngày" in t]
    async with tg.app.sessions() as session:
        blocked = await get_member(session, "telegram", str(SECOND))
    assert blocked is not None and not blocked.active


async def test_a_dropped_connection_is_retried(tg: Harness) -> None:
    await join(tg, OFFICER, "Sở Tư pháp")
    tg.api.fail_next("sendMessage", "drop", chat_id=OFFICER)
    when = datetime(2023, 8, 17, 9, 0, tzinfo=HANOI)
    await tick_and_send(tg, when)
    tg.clock.now = when + timedelta(minutes=1)
    await tg.service.scheduler.worker.drain()
    reminders = [t for t in texts_to(tg, OFFICER) if "Còn 3 ngày làm việc" in t]
    assert len(reminders) == 1

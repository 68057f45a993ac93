"""The same conversations on Telegram, Zalo and the local chat: one scenario, three
channels (``tests/channel_drivers.py``), so a feature cannot work on one and drift on
another. Each channel's own quirks (buttons edited in place, numbered lists, files
by link) have their own tests beside their harnesses."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.channel_drivers import CHANNELS, Driver, driver_for
from tests.telegram_harness import HANOI


@pytest.fixture(params=CHANNELS)
async def bot(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Driver]:
    async with driver_for(request.param, tmp_path) as driver:
        yield driver


async def test_join_by_invite_then_the_month_and_the_next(bot: Driver) -> None:
    await bot.join("officer")
    await bot.say("officer", "/due 8/2023")
    month = bot.latest("officer")
    assert "Sở Tư pháp — tháng 8/2023" in month
    assert "Báo cáo định kỳ gửi Sở Kế hoạch và Đầu tư — trước ngày 05/08/2023" in month
    await bot.choose("officer", "tháng sau ›")
    assert "Sở Tư pháp — tháng 9/2023" in bot.latest("officer")


async def test_plain_vietnamese_without_diacritics(bot: Driver) -> None:
    await bot.join("officer")
    await bot.say("officer", "thang 8 phai nop gi")
    assert "Sở Tư pháp — tháng 8/2023" in bot.latest("officer")
    await bot.say("officer", "viec qua han")
    assert "Sở Tư pháp — quá hạn" in bot.latest("officer")


async def test_request_then_approval(bot: Driver) -> None:
    await bot.say("officer", "/start")
    assert "Bạn làm việc ở đơn vị nào" in bot.latest("officer")
    await bot.say("officer", "so tu phap")
    await bot.choose("officer", "Sở Tư pháp")
    assert "đã được gửi tới quản trị viên" in bot.latest("officer")
    assert "xin tham gia Sở Tư pháp" in bot.latest("admin")
    await bot.choose("admin", "✓ Chấp thuận")
    assert "Bạn đã là thành viên của Sở Tư pháp" in bot.latest("officer")
    await bot.say("officer", "/whoami")
    assert "Sở Tư pháp" in bot.latest("officer")


async def test_a_progress_update_chosen_then_in_the_history(bot: Driver) -> None:
    await bot.join("officer")
    await bot.say("officer", "/capnhat")
    first = re.search(r"(III\.2 · 22/08 · .+?)(?:  \[\d+\] |$)", bot.latest("officer"),
                      re.M)
    assert first, bot.latest("officer")
    await bot.choose("officer", first.group(1))
    assert "Kỳ báo cáo: 22/08/2023" in bot.latest("officer")
    await bot.say("officer", "Đã gửi báo cáo, xong 100%")
    assert "Đã lưu cập nhật" in bot.latest("officer")
    await bot.say("officer", "/lichsu")
    assert "Đã gửi báo cáo, xong 100%" in bot.latest("officer")


async def test_a_reminder_then_the_update_it_offers(bot: Driver) -> None:
    await bot.join("officer")
    when = datetime(2023, 8, 17, 9, 0, tzinfo=HANOI)  # three working days before 22/08
    bot.clock.now = when
    assert (await bot.app.usecases.reminders.tick(when)).enqueued > 0
    await bot.drain()
    assert "Còn 3 ngày làm việc" in bot.latest("officer")
    await bot.choose("officer", "✍ Gửi cập nhật")
    assert "Kỳ báo cáo: 22/08/2023" in bot.latest("officer")


async def test_a_broadcast_to_one_unit_received_and_acknowledged(bot: Driver) -> None:
    await bot.join("officer")
    await bot.join("other", "Sở Y tế")
    await bot.say("admin", "/thongbao Họp giao ban lúc 14h")
    await bot.choose("admin", "🏢 Chọn đơn vị…")
    await bot.say("admin", "tu phap")
    await bot.choose("admin", "☐ Sở Tư pháp")
    await bot.choose("admin", "✓ Xong (1)")
    assert "Sẽ gửi tới 1 người và 0 nhóm" in bot.latest("admin")
    await bot.choose("admin", "📤 Gửi")
    await bot.drain()
    assert "Họp giao ban lúc 14h" in bot.latest("officer")
    assert bot.latest("other") == ""  # another unit: not in the audience
    await bot.choose("officer", "✓ Đã nhận")
    assert "đã ghi nhận" in bot.latest("officer")


async def test_an_unknown_command_and_a_stranger(bot: Driver) -> None:
    await bot.say("stranger", "/due")
    assert "/start" in bot.latest("stranger")  # not a member yet: told how to join
    await bot.say("stranger", "/khongco")
    assert "Lệnh không có" in bot.latest("stranger") or "/help" in bot.latest("stranger")


async def test_an_officer_cannot_broadcast(bot: Driver) -> None:
    await bot.join("officer")
    await bot.say("officer", "/thongbao Tin giả")
    assert "quản trị viên" in bot.latest("officer")
    await bot.drain()
    assert bot.latest("admin") == ""


async def test_mute_then_no_reminder(bot: Driver) -> None:
    await bot.join("officer")
    await bot.say("officer", "/mute")
    when = datetime(2023, 8, 17, 9, 0, tzinfo=HANOI)
    bot.clock.now = when
    await bot.app.usecases.reminders.tick(when)
    await bot.drain()
    assert "Còn 3 ngày làm việc" not in bot.latest("officer")
    bot.clock.advance(timedelta(days=1))

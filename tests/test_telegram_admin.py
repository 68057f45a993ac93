"""Administration end to end on Telegram: the real python-telegram-bot against the
local fake Bot API — member cards and role buttons edited in place, the person
concerned told in their own chat, a merge confirmed by button, a forged press
refused, and /audit showing it all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.members import get_member
from tests.telegram_harness import (
    ADMIN_ID,
    Harness,
    join,
    last_message_id,
    press,
    say,
    telegram_bot,
)

OFFICER, OTHER = 301, 302


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[Harness]:
    async with telegram_bot(tmp_path) as harness:
        yield harness


async def _role(tg: Harness, user: int) -> tuple[str, str | None, bool]:
    async with tg.app.sessions() as session:
        row = await get_member(session, "telegram", str(user))
    assert row is not None
    return row.role, row.unit_id, row.active


async def test_promote_by_card_merge_by_button_and_audit(tg: Harness) -> None:
    await join(tg, OFFICER)
    await join(tg, OTHER, "Sở Xây dựng")
    sent_to_admin = len(tg.api.sent_messages(ADMIN_ID))

    await say(tg, ADMIN_ID, "/members Sở Tư pháp")
    listing = await tg.text_to(ADMIN_ID, sent_to_admin + 1)
    assert "<b>Sở Tư pháp — 1 thành viên</b>" in listing
    ((_, card_data),) = tg.last_buttons(ADMIN_ID)
    assert card_data.startswith("mem:")
    await press(tg, ADMIN_ID, card_data, message_id=last_message_id(tg, ADMIN_ID))
    card = await tg.edited()
    assert "Vai trò: cán bộ" in card
    keyboard = tg.api.calls_to("editMessageText")[0].params["reply_markup"]["inline_keyboard"]
    buttons = {b["callback_data"]: b["text"] for row in keyboard for b in row}
    lead_data = next(d for d in buttons if d.endswith(":lead"))
    assert buttons[lead_data] == "Đặt làm lãnh đạo đơn vị"

    # A forged press of the same button by the officer: refused, nothing changes.
    await press(tg, OFFICER, lead_data, message_id=1)
    assert "Chỉ quản trị viên" in await tg.text_to(OFFICER, 2)
    assert await _role(tg, OFFICER) == ("officer", "so-tp", True)

    await press(tg, ADMIN_ID, lead_data, message_id=last_message_id(tg, ADMIN_ID))
    assert "hiện là lãnh đạo đơn vị" in await tg.edited(2)
    assert "Bạn đã được chỉ định làm lãnh đạo Sở Tư pháp" in await tg.text_to(OFFICER, 3)
    assert await _role(tg, OFFICER) == ("lead", "so-tp", True)

    # A merge asks first, by button, and moves the member of the merged unit.
    count = len(tg.api.sent_messages(ADMIN_ID))
    await say(tg, ADMIN_ID, "/units merge Sở Xây dựng => Sở Tài chính")
    assert "Sáp nhập Sở Xây dựng vào Sở Tài chính?" in await tg.text_to(ADMIN_ID, count + 1)
    assert ("Đồng ý sáp nhập", "unit:mg:so-xd:so-tc") in tg.last_buttons(ADMIN_ID)
    await press(tg, ADMIN_ID, "unit:mg:so-xd:so-tc", message_id=last_message_id(tg, ADMIN_ID))
    assert "Đã sáp nhập: Sở Xây dựng nay thuộc Sở Tài chính" in await tg.edited(3)
    assert await _role(tg, OTHER) == ("officer", "so-tc", True)

    count = len(tg.api.sent_messages(ADMIN_ID))
    await say(tg, ADMIN_ID, "/audit 5")
    log = await tg.text_to(ADMIN_ID, count + 1)
    assert "sáp nhập đơn vị → Sở Xây dựng · ✓" in log
    assert "nâng quyền → Cán bộ" in log
    assert "nâng quyền → " in log and "⛔ bị từ chối" in log
    # Every press was answered, so no phone keeps spinning.
    assert len(tg.api.calls_to("answerCallbackQuery")) == 4

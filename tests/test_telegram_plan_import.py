"""A plan imported on Telegram end to end: the admin uploads the parsed plan as a
document, the bot fetches it from the (fake) Bot API with getFile and the file URL,
shows the preview, sends the parsed file back as a document, and Activate puts the
plan's tasks in /due."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.telegram_wire import UploadedFile
from tests.plan_files import as_json, sample_plan
from tests.telegram_harness import (
    ADMIN_ID,
    Harness,
    join,
    last_message_id,
    press,
    say,
    telegram_bot,
)

PLAN = "plan-2023-1"
OFFICER = 301


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[Harness]:
    async with telegram_bot(tmp_path) as harness:
        yield harness


async def test_upload_preview_get_the_file_and_activate(tg: Harness) -> None:
    file_id = tg.api.state.store_file(
        UploadedFile("document", "kh45.json", "application/json", as_json(sample_plan())),
        "document")
    count = len(tg.api.sent_messages(ADMIN_ID)) + 1
    await say(tg, ADMIN_ID, "", document=(file_id, "kh45.json"))
    preview = await tg.text_to(ADMIN_ID, count)
    assert "Kế hoạch cải cách hành chính Quý III/2023" in preview and "6 nhiệm vụ" in preview
    assert [c.method for c in tg.api.calls].count("getFile") == 1
    buttons = dict((data, label) for label, data in tg.last_buttons(ADMIN_ID))
    assert buttons[f"plan:on:{PLAN}"] == "Kích hoạt"

    await press(tg, ADMIN_ID, f"plan:get:{PLAN}", message_id=last_message_id(tg, ADMIN_ID))
    sent = await tg.api.wait_for("sendDocument", predicate=lambda c: c.ok)
    stored = tg.api.state.files[sent[-1].result["document"]["file_id"]]
    assert stored.filename == f"{PLAN}.json"
    assert json.loads(stored.data)["title"] == sample_plan().title

    await press(tg, ADMIN_ID, f"plan:on:{PLAN}", message_id=last_message_id(tg, ADMIN_ID))
    await tg.settled()
    assert "Đã kích hoạt" in await tg.edited()
    await join(tg, OFFICER, "Sở Tư pháp")
    count = len(tg.api.sent_messages(OFFICER)) + 1
    await say(tg, OFFICER, "/han 8/2023")
    assert "Rà soát, đơn giản hóa thủ tục hành chính nội bộ" in await tg.text_to(OFFICER,
                                                                                count)

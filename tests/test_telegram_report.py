"""/report end to end on Telegram: the real python-telegram-bot, our webhook server and
the local fake Bot API. The summary arrives as a message with its buttons, the chart
as a photo (sendPhoto), and the Excel file, on a press, as a document (sendDocument)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from tests.fakes.telegram_api import Call
from tests.telegram_harness import (
    ADMIN_ID,
    Harness,
    join,
    last_message_id,
    press,
    say,
    telegram_bot,
)

OFFICER = 201


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[Harness]:
    async with telegram_bot(tmp_path) as harness:
        yield harness


def _to(chat: int) -> Callable[[Call], bool]:
    return lambda call: str(call.params.get("chat_id")) == str(chat) and call.ok


async def test_report_summary_chart_and_excel(tg: Harness) -> None:
    await join(tg, OFFICER)
    count = len(tg.api.sent_messages(OFFICER)) + 1
    await say(tg, OFFICER, "/update III.2 xong 100%")  # for the 22/08 cycle
    await tg.text_to(OFFICER, count)
    sent = len(tg.api.sent_messages(ADMIN_ID))
    await say(tg, ADMIN_ID, "/baocao 22/8")
    summary = await tg.text_to(ADMIN_ID, sent + 1)
    assert "<b>1/28 đơn vị đã báo cáo</b>" in summary
    assert "✓ Sở Tư pháp — đúng hạn · 100% · hoàn thành" in summary
    buttons = dict(tg.last_buttons(ADMIN_ID))
    assert "📊 Excel" in buttons and buttons["‹ kỳ trước"].startswith("rep:v:")
    (photo,) = await tg.api.wait_for("sendPhoto", predicate=_to(ADMIN_ID))
    upload = photo.params["photo"]
    assert upload.filename == "bao-cao-III.2.png"
    with Image.open(BytesIO(upload.data)) as image:
        assert image.format == "PNG" and image.size[0] == 800
    caption = await tg.text_to(ADMIN_ID, sent + 2)
    assert "III.2: các kỳ gần đây" in caption  # the chart's line, before the photo

    # The summary message carries the buttons; pressing Excel sends the workbook.
    to_admin = [c for c in tg.api.calls_to("sendMessage") if _to(ADMIN_ID)(c)]
    summary_id = int(to_admin[sent].result["message_id"])
    assert summary_id < last_message_id(tg, ADMIN_ID)
    await press(tg, ADMIN_ID, buttons["📊 Excel"], message_id=summary_id)
    (document,) = await tg.api.wait_for("sendDocument", predicate=_to(ADMIN_ID))
    workbook = document.params["document"]
    assert workbook.filename == "bao-cao-III.2-2023-08-22.xlsx"
    book = load_workbook(BytesIO(workbook.data))
    rows = [list(r) for r in book["III.2 22-08-2023"].iter_rows(values_only=True)]
    assert rows[28][:2] == ["Sở Tư pháp", "đúng hạn"]

    # ‹ edits the summary in place.
    await press(tg, ADMIN_ID, buttons["‹ kỳ trước"], message_id=summary_id)
    edited = await tg.edited()
    assert "trước ngày 05/08/2023" in edited and "0/28 đơn vị đã báo cáo" in edited


async def test_an_officers_forged_press_changes_nothing(tg: Harness) -> None:
    await join(tg, OFFICER)
    count = len(tg.api.sent_messages(OFFICER)) + 1
    task_id = tg.app.services.snapshot.task_ids["bn-2023-q3", "III.2"]
    await press(tg, OFFICER, f"rep:n:{task_id}:20230805", message_id=1)
    assert "Chỉ quản trị viên" in await tg.text_to(OFFICER, count)
    await tg.settled()
    assert not tg.api.calls_to("sendPhoto") and not tg.api.calls_to("sendDocument")

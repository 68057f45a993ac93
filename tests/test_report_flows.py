"""/report through the neutral conversation layer, on a real database, the clock at
10/08/2023 09:00: the default cycle (05/08/2023, the latest 5th/22nd report on or
before today), the buttons, the files, reminding the missing units, a unit's
history, and what non-admins and forged buttons get.

The 28 units that owe III.2 are the 20 departments other than Sở KH&ĐT and the 8
localities. In the fixture, Sở Y tế reports on time (4/08) and Sở Tư pháp late (on
10/08, through the reminder's button for the 05/08 cycle): 2/28, 26 missing."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from io import BytesIO, StringIO
from pathlib import Path

import docx
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from bot.app import App
from bot.channels.local import Persona, TerminalChat
from bot.members import MemberRole
from bot.messages import Attachment, Reply, reply_from_payload
from bot.rich import to_plain
from storage.models import OutboxMessage
from storage.progress import record_update
from tests.conversation_kit import ADMIN, HANOI, NOW, FakePort, data, joined, say, text

PLAN = "bn-2023-q3"


def task_id(app: App, code: str = "III.2") -> int:
    return app.services.snapshot.task_ids[PLAN, code]


async def _fixture(app: App, port: FakePort) -> None:
    await joined(app, port, "1", "Sở Tư pháp")
    await joined(app, port, "2", "Sở Y tế")
    on_4th = datetime(2023, 8, 4, 15, 0, tzinfo=HANOI)
    await say(app, "2", "/update III.2 đang tổng hợp, đạt 80%", at=on_4th)
    await say(app, "1", choice=f"upd:c:{task_id(app)}:20230805")
    await say(app, "1", "đã gửi báo cáo, xong 100%")


def _attachment(replies: list[Reply]) -> Attachment:
    found = [r.attachment for r in replies if r.attachment is not None]
    assert len(found) == 1, replies
    return found[0]


async def _outbox(app: App) -> list[OutboxMessage]:
    async with app.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- the summary ------------------------------------------------------------------------


async def test_the_default_report_summary_chart_and_buttons(app: App, port: FakePort) -> None:
    await _fixture(app, port)
    replies = await say(app, ADMIN, "/report")
    assert len(replies) == 2
    summary = to_plain(replies[0].body).splitlines()
    assert summary[:4] == [
        "III.2 — Báo cáo định kỳ gửi Sở Kế hoạch và Đầu tư",
        "Kỳ báo cáo: trước ngày 05/08/2023 (Thứ Bảy)",
        "2/28 đơn vị đã báo cáo",
        "đúng hạn 1 · muộn 1 · chưa báo cáo 26",
    ]
    units = summary[5:]
    assert len(units) == 28
    assert units[0] == "✗ Ban Quản lý các khu công nghiệp tỉnh — chưa báo cáo"
    assert all(line.startswith("✗ ") for line in units[:26])
    assert units[26:] == ["⏰ Sở Tư pháp — muộn · 100% · hoàn thành",
                          "✓ Sở Y tế — đúng hạn · 80% · đang thực hiện"]
    bold = [span.text for span in replies[0].body.spans if span.style.value == "bold"]
    assert bold == ["III.2 — Báo cáo định kỳ gửi Sở Kế hoạch và Đầu tư",
                    "2/28 đơn vị đã báo cáo"]
    tid = task_id(app)
    assert data(replies[:1]) == [f"rep:v:{tid}:20230722", f"rep:v:{tid}:20230822",
                                 f"rep:n:{tid}:20230805", f"rep:x:{tid}:20230805",
                                 f"rep:c:{tid}:20230805", f"rep:d:{tid}:20230805"]
    labels = [o.label for row in replies[0].options for o in row]
    assert labels == ["‹ kỳ trước", "kỳ sau ›", "🔔 Nhắc các đơn vị chưa báo cáo", "📊 Excel",
                      "📄 CSV", "📝 Báo cáo (.docx)"]
    chart = replies[1].attachment
    assert chart is not None and chart.is_image and chart.mime_type == "image/png"
    assert "III.2: các kỳ gần đây" in to_plain(replies[1].body)
    with Image.open(BytesIO(chart.content)) as image:
        assert image.format == "PNG" and image.size[0] == 800
        assert image.size[1] > image.size[0]  # 28 rows: tall and narrow, for a phone


async def test_dates_aliases_and_navigation(app: App, port: FakePort) -> None:
    await _fixture(app, port)
    for asked in ("/report 22/8", "/report 2023-08-22", "/baocao 22/08/2023"):
        replies = await say(app, ADMIN, asked)
        assert "Kỳ báo cáo: trước ngày 22/08/2023 (Thứ Ba)" in text(replies), asked
        assert "0/28 đơn vị đã báo cáo" in text(replies)
    pressed = await say(app, ADMIN, choice=f"rep:v:{task_id(app)}:20230722")
    assert len(pressed) == 1 and pressed[0].edit and pressed[0].attachment is None
    assert "trước ngày 22/07/2023" in text(pressed) and "0/28 đơn vị" in text(pressed)
    # The plan's first cycle has no "previous".
    assert data(pressed)[0] == f"rep:v:{task_id(app)}:20230805"


async def test_bad_dates_change_nothing(app: App, port: FakePort) -> None:
    for bad in ("31/2", "abc", "2023-02-30", "32/8"):
        replies = await say(app, ADMIN, f"/report {bad}")
        assert "Không đọc được ngày" in text(replies) and not data(replies), bad
    assert "Ngày 10/08/2023 không có kỳ báo cáo" in text(await say(app, ADMIN, "/report 10/8"))
    assert await _outbox(app) == []


async def test_a_day_with_several_deadlines(app: App, port: FakePort) -> None:
    replies = await say(app, ADMIN, "/report 31/8")
    body = text(replies)
    assert body.startswith("Các kỳ báo cáo và thời hạn ngày 31/08/2023")
    assert "• II.8.1 — " in body and "III.2" not in body
    choices = data(replies)
    assert f"rep:v:{task_id(app, 'II.8.1')}:20230831" in choices
    assert "rep:x:all:20230831" in choices
    book = load_workbook(BytesIO(_attachment(await say(app, ADMIN,
                                                       choice="rep:x:all:20230831")).content))
    assert "II.8.1 31-08-2023" in book.sheetnames
    assert len(book.sheetnames) == len([c for c in choices if c.startswith("rep:v:")]) + 1
    opened = await say(app, ADMIN, choice=f"rep:v:{task_id(app, 'II.8.1')}:20230831")
    assert opened[0].edit and "II.8.1 — " in text(opened)
    assert "Kỳ báo cáo: " in text(opened) and "31/08/2023" in text(opened)


async def test_a_cycle_every_unit_reported(app: App, port: FakePort) -> None:
    report = app.usecases.reports
    owed = await report.missing_units(PLAN, "III.2", NOW.date() + timedelta(days=12))
    async with app.sessions.begin() as session:
        for unit in owed:
            await record_update(session, task_id=task_id(app), unit_id=unit, member_id=None,
                                cycle=NOW.date() + timedelta(days=12), text="đã gửi",
                                percent=100, status="done", at=NOW)
    replies = await say(app, ADMIN, "/report 22/8")
    assert "28/28 đơn vị đã báo cáo" in text(replies)
    assert "đúng hạn 28 · muộn 0 · chưa báo cáo 0" in text(replies)
    assert not [d for d in data(replies) if d.startswith("rep:n:")]
    nudged = await say(app, ADMIN, choice=f"rep:n:{task_id(app)}:20230822")
    assert "Tất cả các đơn vị đã báo cáo kỳ này" in text(nudged)
    assert await _outbox(app) == []


# --- the files ----------------------------------------------------------------------------


async def test_the_files(app: App, port: FakePort) -> None:
    await _fixture(app, port)
    tid = task_id(app)
    xlsx = _attachment(await say(app, ADMIN, choice=f"rep:x:{tid}:20230805"))
    assert xlsx.filename == "bao-cao-III.2-2023-08-05.xlsx" and not xlsx.is_image
    book = load_workbook(BytesIO(xlsx.content))
    summary = [list(r) for r in book["III.2 05-08-2023"].iter_rows(values_only=True)]
    assert summary[27][:2] == ["Sở Tư pháp", "muộn"]
    assert summary[28][:7] == ["Sở Y tế", "đúng hạn", datetime(2023, 8, 4, 15, 0),
                               "Nguyễn Văn A", "đang thực hiện", 80,
                               "đang tổng hợp, đạt 80%"]
    every = [list(r) for r in book["Tất cả cập nhật"].iter_rows(values_only=True)]
    assert len(every) == 3

    table = _attachment(await say(app, ADMIN, choice=f"rep:c:{tid}:20230805"))
    assert table.filename.endswith(".csv") and table.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(StringIO(table.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 28 and rows[-1][2:4] == ["Sở Y tế", "đúng hạn"]

    draft = _attachment(await say(app, ADMIN, choice=f"rep:d:{tid}:20230805"))
    document = docx.Document(BytesIO(draft.content))
    header = document.tables[0].rows[0].cells[0].text.split("\n")
    assert header[:2] == ["UBND TỈNH BẮC NINH", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ"]
    figures = [p.text for p in document.paragraphs if p.text.startswith("- ")]
    assert figures == ["- Số đơn vị phải báo cáo: 28", "- Đúng hạn: 1", "- Báo cáo muộn: 1",
                       "- Chưa báo cáo: 26", "- Tỷ lệ đã báo cáo: 7%"]
    assert len(document.tables[1].rows) == 1 + 28


async def test_in_english(app: App, port: FakePort) -> None:
    await say(app, ADMIN, "/lang en")
    replies = await say(app, ADMIN, "/report 22/7")
    assert "0/28 units have reported" in text(replies)
    assert "on time 0 · late 0 · not reported 28" in text(replies)
    assert "✗ Sở Y tế — not reported" in text(replies)
    book = load_workbook(BytesIO(_attachment(await say(
        app, ADMIN, choice=f"rep:x:{task_id(app)}:20230722")).content))
    assert book.sheetnames == ["III.2 22-07-2023", "Every update"]


# --- reminding the missing units ------------------------------------------------------------


async def test_remind_the_missing_units_once_a_day(app: App, port: FakePort) -> None:
    await _fixture(app, port)
    await joined(app, port, "3", "Cục Thuế tỉnh")
    port.chat_admins.add(("-5", ADMIN))
    await say(app, ADMIN, "/bind Cục Thuế tỉnh", chat="-5", group=True)
    app.services.outbox_wake.clear()
    press = f"rep:n:{task_id(app)}:20230805"
    replies = await say(app, ADMIN, choice=press)
    assert "Đang gửi 2 tin nhắc tới 26 đơn vị chưa báo cáo." in text(replies)
    unreachable = next(line for line in text(replies).splitlines() if "chưa có ai" in line)
    assert unreachable.startswith("25 đơn vị chưa có ai nhận được tin nhắc")
    assert "Sở Xây dựng" in unreachable and "Cục Thuế tỉnh" not in unreachable
    assert app.services.outbox_wake.is_set()
    rows = await _outbox(app)
    assert [(r.chat_id, r.kind, r.group_key) for r in rows] == [
        ("3", "reminder", f"nudge:{PLAN}/III.2/2023-08-05"),
        ("-5", "reminder", f"nudge:{PLAN}/III.2/2023-08-05")]
    nudge = reply_from_payload(rows[0].payload)
    assert to_plain(nudge.body).splitlines()[0] == (
        "🔔 Nhắc từ quản trị viên: chưa nhận được báo cáo kỳ 05/08/2023 của Cục Thuế tỉnh")
    assert "/update III.2" not in to_plain(nudge.body)  # past the due date: the button only
    assert [o.data for row in nudge.options for o in row] == [
        f"upd:c:{task_id(app)}:20230805"]
    # Twice the same day: nothing more; the next day, once more.
    again = await say(app, ADMIN, choice=press, at=NOW + timedelta(hours=2))
    assert "Hôm nay đã nhắc các đơn vị này rồi" in text(again)
    assert len(await _outbox(app)) == 2
    tomorrow = await say(app, ADMIN, choice=press, at=NOW + timedelta(days=1))
    assert "Đang gửi 2 tin nhắc" in text(tomorrow)
    assert len(await _outbox(app)) == 4
    audit = [(e.action, e.target, e.detail, e.outcome)
             for e in await app.usecases.audit.recent()]
    assert ("report.remind", f"{PLAN}/III.2/2023-08-05", {"missing": 26, "queued": 2},
            "ok") in audit
    # The reminded officer taps the button: the late report lands on 05/08.
    await say(app, "3", choice=f"upd:c:{task_id(app)}:20230805", at=NOW + timedelta(days=1))
    await say(app, "3", "đã gửi bổ sung", at=NOW + timedelta(days=1))
    after = text(await say(app, ADMIN, "/report"))
    assert "3/28 đơn vị đã báo cáo" in after and "⏰ Cục Thuế tỉnh — muộn" in after


# --- a unit's history -----------------------------------------------------------------------


async def test_a_units_history(app: App, port: FakePort) -> None:
    await _fixture(app, port)
    history = text(await say(app, ADMIN, "/report unit Sở Tư pháp")).splitlines()
    assert history == ["Sở Tư pháp — tình hình báo cáo qua các kỳ",
                       "· 22/08/2023 · III.2 — chưa đến hạn",
                       "⏰ 05/08/2023 · III.2 — muộn · 100% · hoàn thành",
                       "✗ 22/07/2023 · III.2 — chưa báo cáo"]
    assert text(await say(app, ADMIN, "/baocao đơn vị so tu phap")).splitlines() == history
    assert "Đơn vị nào?" in text(await say(app, ADMIN, "/report unit"))
    assert "Không có đơn vị nào khớp" in text(await say(app, ADMIN, "/report unit qwxzqwxz"))
    unsure = await say(app, ADMIN, "/report unit UBND")
    assert "Ý bạn là đơn vị nào?" in text(unsure) and data(unsure) == ["rep:u:ubnd-tinh"]
    assert text(await say(app, ADMIN, choice="rep:u:ubnd-tinh")) == (
        "UBND tỉnh không phải gửi báo cáo định kỳ nào trong các kế hoạch đang thực hiện.")
    assert "tình hình báo cáo" in text(await say(app, ADMIN, choice="rep:u:so-yt"))
    collects = text(await say(app, ADMIN, "/report unit Sở Kế hoạch và Đầu tư"))
    assert "không phải gửi báo cáo định kỳ nào" in collects


# --- who may ---------------------------------------------------------------------------------


async def test_only_admins_and_forged_buttons_change_nothing(app: App, port: FakePort) -> None:
    await _fixture(app, port)
    tid = task_id(app)
    assert "Chỉ quản trị viên" in text(await say(app, "1", "/report"))
    assert "Chỉ quản trị viên" in text(await say(app, "1", "/baocao unit Sở Tư pháp"))
    assert "Chỉ quản trị viên" in text(await say(app, "9", "/report"))  # a stranger
    for forged in (f"rep:n:{tid}:20230805", f"rep:x:{tid}:20230805", f"rep:v:{tid}:20230822"):
        replies = await say(app, "1", choice=forged)
        assert "Chỉ quản trị viên" in text(replies) and replies[0].attachment is None
    assert await _outbox(app) == []
    denied = [(e.actor, e.action, e.target) for e in await app.usecases.audit.recent()
              if e.outcome == "denied"]
    assert ("chat:1", "report", f"rep:n:{tid}:20230805") in denied
    for forged in ("rep", "rep:q:1:20230805", "rep:v:99999:20230805", "rep:v:abc:20230805",
                   f"rep:x:{tid}:20230806", f"rep:v:{tid}:2023085", f"rep:n:{tid}:20230231",
                   "rep:x:all:20230810", "rep:v:all:20230831", "rep:u:dia-phuong",
                   "rep:u:nope", f"rep:v:{task_id(app, 'II.8.1')}:20230805"):
        replies = await say(app, ADMIN, choice=forged)
        assert text(replies) == "Nút này không còn hiệu lực.", forged
    assert await _outbox(app) == []
    # Admin work stays out of groups.
    assert "tin nhắn riêng" in text(await say(app, ADMIN, "/report", chat="-9", group=True))


async def test_help_lists_the_report_for_admins_only(app: App, port: FakePort) -> None:
    await joined(app, port)
    assert "/baocao [22/8]" in text(await say(app, ADMIN, "/help"))
    assert "/baocao" not in text(await say(app, "1", "/help"))


# --- the terminal ------------------------------------------------------------------------------


async def test_the_local_channel_saves_the_chart_and_files(app: App, tmp_path: Path) -> None:
    pending = ["/report", "6", "/quit"]  # [6] is the last button: the .docx draft
    printed: list[str] = []

    async def read_line(prompt: str) -> str | None:
        return pending.pop(0) if pending else None

    files = tmp_path / "nhacviec-files"
    terminal = TerminalChat(app, read_line, printed.append, files_dir=files)
    await terminal.run(Persona(MemberRole.ADMIN))
    out = "\n".join(printed)
    assert "0/28 đơn vị đã báo cáo" in out and "[6] 📝 Báo cáo (.docx)" in out
    assert f"📎 {files / 'bao-cao-III.2.png'}" in out
    assert f"📎 {files / 'bao-cao-III.2-2023-08-05.docx'}" in out
    assert (files / "bao-cao-III.2.png").read_bytes().startswith(b"\x89PNG")
    assert docx.Document(str(files / "bao-cao-III.2-2023-08-05.docx")).tables


async def test_a_forged_press_in_a_group_is_refused_and_audited(app: App, port: FakePort) -> None:
    tid = task_id(app)
    replies = await say(app, "5", choice=f"rep:n:{tid}:20230805", chat="-9", group=True)
    assert "Chỉ quản trị viên" in text(replies)
    assert [(e.actor, e.outcome) for e in await app.usecases.audit.recent()] == [
        ("chat:5", "denied")]
    admin = await say(app, ADMIN, choice=f"rep:n:{tid}:20230805", chat="-9", group=True)
    assert "tin nhắn riêng" in text(admin)
    assert await _outbox(app) == []

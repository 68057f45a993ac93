"""The terminal chat and the shell commands, driven like a person would."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.__main__ import main
from bot.app import App, running_app
from bot.channels.local import Persona, TerminalChat
from bot.config import Settings
from bot.members import MemberRole
from tests.plan_files import as_json, sample_plan

NOW = datetime(2023, 8, 10, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    async with running_app(settings, clock=lambda: NOW) as running:
        yield running


async def chat(app: App, lines: Iterable[str], persona: Persona | None = None,
               language: str | None = None) -> str:
    """Type ``lines`` into a terminal chat and return everything it printed."""
    pending = list(lines)
    printed: list[str] = []

    async def read_line(prompt: str) -> str | None:
        return pending.pop(0) if pending else None

    await TerminalChat(app, read_line, printed.append, language=language).run(persona)
    return "\n".join(printed)


async def test_pick_a_unit_then_ask(app: App) -> None:
    out = await chat(app, ["1", "so tu phap", "/due 8/2023", "/quit"])
    assert "Bạn là cán bộ của Sở Tư pháp." in out
    assert "Sở Tư pháp — tháng 8/2023" in out
    assert "Báo cáo định kỳ gửi Sở Kế hoạch và Đầu tư — trước ngày 05/08/2023 (Thứ Bảy)" in out
    assert "[1] ‹ tháng trước  [2] tháng sau ›" in out


async def test_numbered_buttons(app: App) -> None:
    out = await chat(app, ["1", "Sở Tư pháp", "thang 8 phai nop gi", "2", "/quit"])
    assert "Sở Tư pháp — tháng 9/2023" in out  # "2" pressed "next month ›"


async def test_one_answers_choices_are_numbered_on_across_its_messages(app: App) -> None:
    # A broadcast's preview is two messages: the notice (✓ Đã nhận) and its card.
    out = await chat(app, ["/broadcast Họp lúc 14h", "1", "2", "/quit"],
                     persona=Persona(MemberRole.ADMIN))
    assert "📢 Thông báo\nHọp lúc 14h\n— admin\n[1] ✓ Đã nhận" in out
    assert "[2] 📤 Gửi  [3] ✏️ Đổi người nhận  [4] ✗ Huỷ" in out
    assert "Đang gửi thông báo #1" in out  # "2" pressed Send, not the notice's button


async def test_free_text_and_overdue(app: App) -> None:
    out = await chat(app, ["việc quá hạn"], persona=Persona(MemberRole.OFFICER, "so-tp"))
    assert "Sở Tư pháp — quá hạn" in out and "II.6.3" in out


async def test_ambiguous_unit_offers_a_list(app: App) -> None:
    out = await chat(app, ["1", "to chuyen gia", "2", "/due", "/quit"])
    assert "[1]" in out  # a numbered list of candidates was shown
    assert "Bạn là cán bộ của" in out


async def test_admin_persona_and_switch(app: App) -> None:
    out = await chat(app, ["2", "/due DPI 9/2023", "/persona", "1", "Cục Thuế tỉnh",
                           "/due 10/2023", "/quit"])
    assert "Bạn là quản trị viên." in out
    assert "Sở Kế hoạch và Đầu tư — tháng 9/2023" in out
    assert "Cục Thuế tỉnh — tháng 10/2023" in out
    assert "Tổ chức Hội nghị đối thoại với người nộp thuế" in out  # "Tháng 10, tháng 11/2023"


async def test_an_admin_imports_a_plan_with_file(app: App, tmp_path: Path) -> None:
    path = tmp_path / "kh45.json"
    path.write_bytes(as_json(sample_plan()))
    out = await chat(app, [f"/file {path}", "1", "/file /no/such/file.json", "/quit"],
                     persona=Persona(MemberRole.ADMIN))
    assert "Kế hoạch cải cách hành chính Quý III/2023" in out and "6 nhiệm vụ" in out
    assert "[1] Kích hoạt  [2] Huỷ" in out
    assert "Đã kích hoạt" in out  # "1" pressed Activate
    assert "Không tải được tệp file.json" in out
    assert {p.id for p in app.services.snapshot.plans} == {"bn-2023-q3", "plan-2023-1"}


async def test_english_chat(app: App) -> None:
    out = await chat(app, ["/due 8/2023"], persona=Persona(MemberRole.OFFICER, "so-tp"),
                     language="en")
    assert "Sở Tư pháp — August 2023" in out and "Recurring reports" in out


async def test_end_of_input_leaves_cleanly(app: App) -> None:
    assert "Bạn là ai?" in await chat(app, [])


# --- the shell commands ------------------------------------------------------------


def test_due_json(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["due", "--unit", "Sở Tư pháp", "--month", "2023-08", "--today",
                 "2023-08-10", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert (shell / "nhacviec.db").exists()  # created and migrated in the working directory
    keys = {(i["task_id"], i["role"], i["kind"], i["due"]) for i in items}
    assert ("III.2", "lead", "report", "2023-08-05") in keys
    assert ("II.8.1", "lead", "deadline", "2023-08-31") in keys
    assert ("II.6.3", "lead", "overdue", "2023-07-31") in keys
    assert ("II.2.2", "coordinating", "ongoing", None) in keys
    report = next(i for i in items if i["task_id"] == "III.2")
    assert report["deadline_text"] == "trước ngày 05 và 22 hàng tháng"
    assert set(report) >= {"task_id", "title", "role", "kind", "due", "deadline_text"}


def test_due_by_abbreviation_and_text(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["due", "--unit", "SKHĐT", "--month", "2023-09", "--today", "2023-09-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Sở Kế hoạch và Đầu tư — tháng 9/2023")
    assert "Tiếp nhận, tổng hợp" in out


def test_due_unknown_unit_and_bad_month(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["due", "--unit", "Bộ Tài chính"]) == 1
    assert "No unit matches" in capsys.readouterr().err
    assert main(["due", "--unit", "Sở Tư pháp", "--month", "2023-13"]) == 1
    assert "--month must be YYYY-MM" in capsys.readouterr().err


def test_units_resolve_and_list(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["units", "resolve", "so kh dt", "--json"]) == 0
    ranked = json.loads(capsys.readouterr().out)
    assert ranked[0]["id"] == "so-khdt" and ranked[0]["score"] >= ranked[-1]["score"]
    assert main(["units", "list", "--json"]) == 0
    units = {u["id"]: u for u in json.loads(capsys.readouterr().out)}
    assert len(units["dia-phuong"]["members"]) == 8
    assert units["so-tp"]["kind"] == "department"
    assert main(["units", "resolve", "Sở Tư pháp"]) == 0
    assert "so-tp" in capsys.readouterr().out


def test_bad_setting_stops_start_up(shell: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NHACVIEC_TIMEZONE", "Mars/Olympus")
    assert main(["units", "list"]) == 2
    assert "NHACVIEC_TIMEZONE" in capsys.readouterr().err
    monkeypatch.delenv("NHACVIEC_TIMEZONE")
    monkeypatch.setenv("NHACVIEC_DATABSE_URL", "sqlite+aiosqlite:///x.db")
    assert main(["units", "list"]) == 2
    assert "did you mean NHACVIEC_DATABASE_URL" in capsys.readouterr().err


def test_db_upgrade(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert (shell / "nhacviec.db").exists()
    assert main(["db", "upgrade"]) == 0  # a second time is a no-op


def test_reminders_preview_json(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reminders", "preview", "--from", "2027-01-01", "--to", "2027-03-01",
                 "--unit", "UBND huyện Lương Tài", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    tet = [i for i in items if i["due"] == "2027-02-05" and i["obligation"] == "III.2"]
    assert [(i["kind"], i["lead"], i["send_at"]) for i in tet] == [
        ("before", 3, "2027-01-29T08:00:00+07:00"),
        ("before", 1, "2027-02-02T08:00:00+07:00"),
        ("due_day", 0, "2027-02-03T08:00:00+07:00"),
        ("escalation", 0, "2027-02-03T16:00:00+07:00"),
    ]
    assert tet[0]["unit"] == "UBND huyện Lương Tài"
    assert {"send_at", "due", "unit", "kind", "lead", "obligation"} <= set(tet[0])
    # Four cycles, three reminders and an escalation each — but the 05/01/2027 cycle's
    # before-3 falls on 30/12/2026, before the window.
    assert len(items) == 15


def test_reminders_settings_and_calendar(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reminders", "set", "--unit", "Sở Tư pháp", "--lead", "5,2",
                 "--time", "07:30"]) == 0
    assert "[5, 2] working days before, at 07:30" in capsys.readouterr().out
    assert main(["reminders", "preview", "--from", "2027-02-20", "--to", "2027-03-06",
                 "--unit", "Sở Tư pháp", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    # 05/03/2027 (Fri): 5 working days before is Fri 26/02, 2 before is Wed 03/03.
    march = [(i["kind"], i["lead"], i["send_at"]) for i in items if i["due"] == "2027-03-05"]
    assert march == [("before", 5, "2027-02-26T07:30:00+07:00"),
                     ("before", 2, "2027-03-03T07:30:00+07:00"),
                     ("due_day", 0, "2027-03-05T07:30:00+07:00"),
                     ("escalation", 0, "2027-03-05T16:00:00+07:00")]
    assert main(["calendar", "off", "2027-03-04", "--note", "Nghỉ bù"]) == 0
    assert main(["calendar", "list"]) == 0
    assert "2027-03-04  day off" in capsys.readouterr().out
    assert main(["calendar", "off", "not-a-date"]) == 1
    assert main(["reminders", "set", "--unit", "Sở Tư pháp", "--reset"]) == 0
    assert "[3, 1] working days before, at 08:00" in capsys.readouterr().out

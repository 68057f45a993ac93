"""``nhacviec report`` from the shell: text, JSON, the three files, a unit's history, and
clear errors (exit status 1). No environment or .env: a fresh SQLite database in a
temporary working directory, the day passed with --today."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from io import StringIO
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook

from bot.__main__ import main
from bot.app import running_app
from bot.config import Settings
from storage.progress import record_update
from tests.conftest import run_outside_test_loop
from tests.conversation_kit import HANOI

TODAY = ["--today", "2023-08-10"]


def _reported(shell: Path) -> None:
    """Sở Tư pháp reports for 05/08/2023 on the 4th, Sở Y tế late on the 7th."""
    async def insert() -> None:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{shell / 'nhacviec.db'}")
        async with running_app(settings) as app:
            task_id = app.services.snapshot.task_ids["bn-2023-q3", "III.2"]
            async with app.sessions.begin() as session:
                for unit, day, text in (("so-tp", 4, "Đã gửi báo cáo tháng 8, xong 100%"),
                                        ("so-yt", 7, "Gửi muộn do chờ số liệu")):
                    await record_update(
                        session, task_id=task_id, unit_id=unit, member_id=None,
                        cycle=date(2023, 8, 5), text=text, percent=None,
                        status="done", at=datetime(2023, 8, day, 10, tzinfo=HANOI))

    run_outside_test_loop(insert())


def test_default_cycle_as_json(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", *TODAY, "--json"]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert (report["plan"], report["task"], report["due"]) == ("bn-2023-q3", "III.2",
                                                              "2023-08-05")
    assert report["counts"] == {"obligated": 28, "reported": 0, "on_time": 0, "late": 0,
                                "missing": 28}
    assert report["rate"] == 0 and len(report["units"]) == 28
    assert report["units"][0] == {"id": "bql-kcn",
                                  "name": "Ban Quản lý các khu công nghiệp tỉnh",
                                  "status": "missing", "latest": None}


def test_a_cycle_as_text_json_and_files(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _reported(shell)
    assert main(["report", "--cycle", "2023-08-05", *TODAY]) == 0
    out = capsys.readouterr().out
    assert out.startswith("III.2 — Báo cáo định kỳ gửi Sở Kế hoạch và Đầu tư\n")
    assert "2/28 đơn vị đã báo cáo" in out
    assert "⏰ Sở Y tế — muộn · hoàn thành" in out and "✓ Sở Tư pháp — đúng hạn" in out
    assert main(["report", "--cycle", "2023-08-05", *TODAY, "--lang", "en"]) == 0
    assert "2/28 units have reported" in capsys.readouterr().out

    assert main(["report", "--cycle", "2023-08-05", "--xlsx", "r.xlsx", "--csv", "r.csv",
                 "--docx", "r.docx", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Wrote r.xlsx\nWrote r.csv\nWrote r.docx\n")
    (report,) = json.loads(out.split("\n", 3)[3])
    justice = next(u for u in report["units"] if u["id"] == "so-tp")
    assert justice["latest"] == {"at": "2023-08-04T03:00:00+00:00", "member": None,
                                 "status": "done", "percent": None,
                                 "text": "Đã gửi báo cáo tháng 8, xong 100%"}
    book = load_workbook(shell / "r.xlsx")
    rows = [list(r) for r in book["Tất cả cập nhật"].iter_rows(values_only=True)]
    assert rows[1][:2] == ["Sở Tư pháp", "III.2"] and rows[1][-1] == (
        "Đã gửi báo cáo tháng 8, xong 100%")
    table = list(csv.reader(StringIO((shell / "r.csv").read_text(encoding="utf-8-sig"))))
    assert table[-1][2:4] == ["Sở Tư pháp", "đúng hạn"]
    assert ["III.2", "05/08/2023", "Sở Y tế", "muộn"] in [row[:4] for row in table]
    figures = [p.text for p in docx.Document(str(shell / "r.docx")).paragraphs
               if p.text.startswith("- ")]
    assert figures[:4] == ["- Số đơn vị phải báo cáo: 28", "- Đúng hạn: 1",
                           "- Báo cáo muộn: 1", "- Chưa báo cáo: 26"]


def test_a_day_with_several_tasks(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--cycle", "2023-08-31", *TODAY, "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert len(reports) > 1 and {r["due"] for r in reports} == {"2023-08-31"}
    assert "II.8.1" in [r["task"] for r in reports]


def test_a_units_history(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _reported(shell)
    assert main(["report", "--unit", "so tu phap", *TODAY, "--json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert history["unit"] == {"id": "so-tp", "name": "Sở Tư pháp"}
    assert [(c["due"], c["status"]) for c in history["cycles"]] == [
        ("2023-08-22", "not_due"), ("2023-08-05", "on_time"), ("2023-07-22", "missing")]
    assert main(["report", "--unit", "Sở Y tế", *TODAY]) == 0
    assert "⏰ 05/08/2023 · III.2 — muộn · hoàn thành" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "message"), [
    (["--cycle", "2023-02-30"], "--cycle must be YYYY-MM-DD"),
    (["--cycle", "22/8"], "--cycle must be YYYY-MM-DD"),
    (["--cycle", "2023-08-10"], "No report or deadline of the open plans falls on 2023-08-10"),
    (["--today", "tomorrow"], "--today must be YYYY-MM-DD"),
    (["--unit", "Bộ Tài chính"], "No unit matches"),
    (["--unit", "Sở Tư pháp", "--xlsx", "x.xlsx"], "--unit shows one unit's history"),
    (["--cycle", "2023-08-05", "--csv", "no/such/dir/r.csv"], "Cannot write no/such/dir/r.csv"),
])
def test_errors(shell: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                message: str) -> None:
    assert main(["report", *TODAY, *argv]) == 1
    assert message in capsys.readouterr().err
    assert not (shell / "x.xlsx").exists()

"""``nhacviec plan parse|import|list|show|activate|deactivate``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.__main__ import main
from tests.plan_files import UNKNOWN_MAPPED, as_json, as_yaml, sample_plan


def test_parse_import_list_activate(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shell / "kh45.json").write_bytes(as_json(sample_plan()))
    (shell / "kh45.yaml").write_bytes(as_yaml(sample_plan()))
    assert main(["plan", "parse", "kh45.json", "--json"]) == 0
    out = capsys.readouterr().out
    assert "Sở Tư pháp" in out  # not escaped: ensure_ascii=False
    parsed = json.loads(out)
    assert parsed["title"] == sample_plan().title and len(parsed["tasks"]) == 6
    assert parsed["tasks"][0]["lead_resolved"] == [{"written": "Sở Tư pháp", "unit": "so-tp"}]
    assert parsed["tasks"][0]["coordinating_resolved"][0]["suggestions"][0]["unit"] == "so-nv"

    assert main(["plan", "parse", "kh45.yaml"]) == 0
    out = capsys.readouterr().out
    assert "6 tasks" in out and "Deadlines per month: 8/2023: 2 · 9/2023: 1" in out
    assert f"Unknown unit: {UNKNOWN_MAPPED} — did you mean Sở Nội vụ (so-nv)" in out

    assert main(["plan", "import", "kh45.json"]) == 0
    out = capsys.readouterr().out
    assert "Imported plan-2023-1 (inactive)" in out
    assert main(["plan", "list", "--json"]) == 0
    listed = {p["id"]: p for p in json.loads(capsys.readouterr().out)}
    assert listed["plan-2023-1"] == {
        "id": "plan-2023-1", "title": sample_plan().title, "number": "45/KH-UBND",
        "active": False, "tasks": 6, "unresolved": 2, "source": "kh45.json"}
    assert listed["bn-2023-q3"]["active"] is True
    assert main(["plan", "activate", "plan-2023-1"]) == 0
    assert "plan-2023-1: active (6 tasks)" in capsys.readouterr().out
    assert main(["due", "--unit", "Sở Tư pháp", "--month", "2023-08", "--today",
                 "2023-08-10", "--json"]) == 0
    due = capsys.readouterr().out
    assert "plan-2023-1" in due and "I.1" in due
    assert main(["plan", "list"]) == 0
    out = capsys.readouterr().out
    assert "plan-2023-1    active      6 tasks   2 unknown units" in out and "2 plans" in out
    assert main(["plan", "show", "plan-2023-1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["number"] == "45/KH-UBND"
    assert main(["plan", "show", "plan-2023-1"]) == 0
    assert "plan-2023-1 (active), from kh45.json" in capsys.readouterr().out
    assert main(["plan", "deactivate", "plan-2023-1"]) == 0
    assert "plan-2023-1: inactive" in capsys.readouterr().out
    assert main(["audit", "--json"]) == 0
    actions = [e["action"] for e in json.loads(capsys.readouterr().out)]
    assert actions[:3] == ["plan.deactivate", "plan.activate", "plan.import"]


def test_errors_say_why(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shell / "broken.json").write_text("{", encoding="utf-8")
    (shell / "plan.txt").write_text("KẾ HOẠCH", encoding="utf-8")
    for argv, error in ((["plan", "parse", "missing.json"], "Cannot read missing.json"),
                        (["plan", "import", "broken.json"], "the parsed file is not valid"),
                        (["plan", "activate", "plan-9"], "No plan 'plan-9'"),
                        (["plan", "show", "plan-9"], "No plan 'plan-9'"),
                        (["plan", "show", "bn-2023-q3", "--json"], "no parsed file")):
        assert main(argv) == 1, argv
        assert error in capsys.readouterr().err, argv
    # A document the parser cannot read (yet, or ever) is an error too, not a crash.
    status = main(["plan", "parse", "plan.txt"])
    captured = capsys.readouterr()
    assert status == 0 or "Cannot import plan.txt" in captured.err

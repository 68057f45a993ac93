"""The plan parser's yardstick (scripts/score_plan_parser.py), scored on synthetic
predictions: none of these tests needs the parser."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "data" / "plans"
HELD_OUT = FIXTURES / "heldout"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


scorer = _load("score_plan_parser")

GOLD: dict[str, Any] = {
    "title": "Kế hoạch thử",
    "number": "12/KH-UBND",
    "issued": "2025-03-12",
    "year": 2025,
    "tasks": [
        {"id": "II.1", "text": "Sở Tài chính chủ trì rà soát dự toán chi thường xuyên",
         "lead": ["Sở Tài chính"], "lead_resolved": ["so-tc"], "coordinating": [],
         "deadline_text": "trước ngày 30/9/2025",
         "due": [{"kind": "date", "date": "2025-09-30"}]},
        {"id": "II.2", "text": "Ban Dân tộc tỉnh khảo sát các thôn đặc biệt khó khăn",
         "lead": ["Ban Dân tộc tỉnh"], "lead_resolved": [None], "coordinating": [],
         "deadline_text": "trong Quý IV/2025",
         "due": [{"kind": "range", "start": "2025-10-01", "end": "2025-12-31"}]},
        {"id": "II.3", "text": "Các sở, ban, ngành, địa phương báo cáo tiến độ",
         "lead": ["Các sở, ban, ngành, địa phương"],
         "lead_resolved": ["so-ban-nganh-dia-phuong"], "coordinating": [],
         "deadline_text": "hằng tháng, hằng quý",
         "due": [{"kind": "monthly", "days": []}, {"kind": "quarterly"}]},
        {"id": "II.4", "text": "Sở Xây dựng hướng dẫn thực hiện quy chuẩn nhà ở",
         "lead": ["Sở Xây dựng"], "lead_resolved": ["so-xd"], "coordinating": [],
         "deadline_text": None, "due": []},
    ],
}


def as_prediction(gold: dict[str, Any]) -> dict[str, Any]:
    """The gold plan as the importer's JSON would print it (resolved as objects)."""
    plan = copy.deepcopy(gold)
    for task in plan["tasks"]:
        for role in ("lead", "coordinating"):
            ids = task.pop(f"{role}_resolved", None) or [None] * len(task.get(role, []))
            task[f"{role}_resolved"] = [
                {"written": w, "unit": u, **({} if u else {"suggestions": []})}
                for w, u in zip(task.get(role, []), ids, strict=True)]
    return plan


def figures(predicted: dict[str, Any] | None, gold: dict[str, Any] = GOLD) -> Any:
    return scorer.score_plan("t", gold, predicted).counts


def test_a_perfect_prediction_scores_full_marks() -> None:
    c = figures(as_prediction(GOLD))
    assert (c.recall, c.precision, c.invented) == (1.0, 1.0, 0)
    assert (c.gold, c.predicted, c.gold_dated, c.predicted_dated) == (4, 4, 3, 3)
    assert (c.deadline_accuracy, c.lead_accuracy) == (1.0, 1.0)
    assert scorer.score_plan("t", GOLD, as_prediction(GOLD)).header == {
        "title": True, "number": True, "issued": True, "year": True}


def test_specs_compare_in_any_order_and_yaml_dates_equal_json_strings() -> None:
    predicted = as_prediction(GOLD)
    predicted["tasks"][2]["due"].reverse()
    gold = yaml.safe_load(yaml.safe_dump(GOLD))
    gold["tasks"][0]["due"] = yaml.safe_load("[{kind: date, date: 2025-09-30}]")
    c = figures(predicted, gold)
    assert (c.recall, c.precision, c.invented) == (1.0, 1.0, 0)


def test_a_wrong_deadline_lowers_recall_and_precision() -> None:
    predicted = as_prediction(GOLD)
    predicted["tasks"][0]["due"] = [{"kind": "date", "date": "2025-09-29"}]
    c = figures(predicted)
    assert c.recall == pytest.approx(2 / 3)
    assert c.precision == pytest.approx(2 / 3)
    assert c.invented == 0
    assert c.deadline_accuracy == pytest.approx(3 / 4)
    assert c.lead_accuracy == 1.0


def test_a_wrong_lead_lowers_recall_but_not_deadline_accuracy() -> None:
    predicted = as_prediction(GOLD)
    predicted["tasks"][0]["lead_resolved"][0]["unit"] = "so-khdt"
    c = figures(predicted)
    assert c.recall == pytest.approx(2 / 3)
    assert c.deadline_accuracy == 1.0
    assert c.lead_accuracy == pytest.approx(3 / 4)


def test_a_unit_the_directory_lacks_compares_by_its_folded_written_name() -> None:
    predicted = as_prediction(GOLD)
    predicted["tasks"][1]["lead"] = ["Ban Dân Tộc tỉnh"]
    predicted["tasks"][1]["lead_resolved"] = [
        {"written": "Ban Dân Tộc tỉnh", "unit": None, "suggestions": []}]
    assert figures(predicted).recall == 1.0
    predicted["tasks"][1]["lead_resolved"][0]["unit"] = "so-nv"  # a wrong guess
    assert figures(predicted).recall == pytest.approx(2 / 3)


def test_an_extra_dated_task_counts_as_invented() -> None:
    predicted = as_prediction(GOLD)
    predicted["tasks"].append({
        "id": "III.1", "text": "Văn phòng UBND tỉnh theo dõi, đôn đốc thực hiện kế hoạch",
        "lead": ["Văn phòng UBND tỉnh"], "lead_resolved": [], "coordinating": [],
        "deadline_text": "năm 2025",
        "due": [{"kind": "range", "start": "2025-01-01", "end": "2025-12-31"}]})
    c = figures(predicted)
    assert (c.recall, c.invented) == (1.0, 1)
    assert c.precision == pytest.approx(3 / 4)


def test_a_deadline_on_a_task_without_one_is_invented() -> None:
    predicted = as_prediction(GOLD)
    predicted["tasks"][3]["due"] = [{"kind": "range", "start": "2025-01-01",
                                     "end": "2025-12-31"}]
    c = figures(predicted)
    assert (c.recall, c.invented, c.predicted_dated) == (1.0, 1, 4)
    assert c.precision == pytest.approx(3 / 4)


def test_a_task_with_another_id_is_matched_by_its_text() -> None:
    predicted = as_prediction(GOLD)
    predicted["tasks"][0]["id"] = "II.1.1"
    predicted["tasks"][0]["text"] += " năm 2026 của các cơ quan, đơn vị."  # longer than gold
    pairs = scorer.match_tasks(GOLD["tasks"], predicted["tasks"])
    assert [p.how for p in pairs] == ["text", "id", "id", "id"]
    c = figures(predicted)
    assert (c.recall, c.precision, c.invented, c.matched_by_text) == (1.0, 1.0, 0, 1)


def test_same_ids_with_unrelated_texts_are_not_paired() -> None:
    predicted = as_prediction(GOLD)
    predicted["tasks"][0], predicted["tasks"][3] = predicted["tasks"][3], predicted["tasks"][0]
    predicted["tasks"][0]["id"], predicted["tasks"][3]["id"] = "II.1", "II.4"
    pairs = scorer.match_tasks(GOLD["tasks"], predicted["tasks"])
    assert [p.how for p in pairs] == ["text", "id", "id", "text"]
    assert figures(predicted).recall == 1.0


def test_missing_tasks_and_a_failed_parse() -> None:
    predicted = as_prediction(GOLD)
    del predicted["tasks"][1]
    c = figures(predicted)
    assert c.recall == pytest.approx(2 / 3) and c.precision == 1.0
    failed = scorer.score_plan("t", GOLD, None, "DocumentError: cannot read .txt files yet")
    assert (failed.counts.recall, failed.counts.predicted, failed.counts.invented) == (0.0, 0, 0)


def test_conditional_text_is_not_compared_but_its_kind_is() -> None:
    gold = copy.deepcopy(GOLD)
    gold["tasks"][3]["due"] = [{"kind": "conditional", "text": "sau khi có hướng dẫn"}]
    predicted = as_prediction(gold)
    predicted["tasks"][3]["due"] = [{"kind": "conditional", "text": "sau khi Bộ hướng dẫn"}]
    assert figures(predicted, gold).recall == 1.0
    predicted["tasks"][3]["due"] = [{"kind": "ongoing"}]
    assert figures(predicted, gold).recall == pytest.approx(3 / 4)


def _fixture_dir(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "demo.txt").write_text("KẾ HOẠCH thử", encoding="utf-8")
    (tmp_path / "demo.expected.yaml").write_text(
        yaml.safe_dump(GOLD, allow_unicode=True), encoding="utf-8")
    return tmp_path


def test_main_prints_json_and_applies_thresholds(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    folder = _fixture_dir(tmp_path)
    perfect = as_prediction(GOLD)

    def parse(name: str, data: bytes) -> dict[str, Any]:
        assert name == "demo.txt" and data.startswith("KẾ".encode())
        return perfect

    gates = ["--min-recall", "0.95", "--min-precision", "0.95", "--max-invented", "0"]
    assert scorer.main(["--json", *gates], parse, folder) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["overall"]["recall"] == 1.0 and out["failures"] == []

    perfect["tasks"][0]["due"] = []
    assert scorer.main(["--verbose", "--fixture", "demo", *gates], parse, folder) == 1
    text = capsys.readouterr().out
    assert "FAIL: recall" in text and "[due]" in text
    assert scorer.main(["--fixture", "nope"], parse, folder) == 2


def test_main_reports_a_parser_error_per_fixture(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    folder = _fixture_dir(tmp_path)

    def parse(name: str, data: bytes) -> dict[str, Any]:
        raise ValueError("cannot read .txt files yet")

    assert scorer.main([], parse, folder) == 0
    assert "parser error: ValueError: cannot read .txt files yet" in capsys.readouterr().out
    assert scorer.main(["--min-recall", "0.5"], parse, folder) == 1


def test_main_reads_the_fixtures_of_dir(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = _fixture_dir(tmp_path / "elsewhere")

    def parse(name: str, data: bytes) -> dict[str, Any]:
        return as_prediction(GOLD)

    assert scorer.main(["--json", "--dir", str(folder)], parse, tmp_path / "empty") == 0
    assert [f["fixture"] for f in json.loads(capsys.readouterr().out)["fixtures"]] == ["demo"]
    assert scorer.main([], parse, tmp_path / "empty") == 2  # without --dir: the default


def test_the_default_fixtures_leave_the_held_out_ones_out() -> None:
    held_out = scorer.fixture_names(HELD_OUT)
    assert len(held_out) >= 3
    assert not set(held_out) & set(scorer.fixture_names(FIXTURES))


@pytest.mark.parametrize("folder", [FIXTURES, HELD_OUT], ids=["default", "heldout"])
def test_every_annotation_is_well_formed(folder: Path) -> None:
    """The committed fixtures: each annotation has its document, unique ids, specs
    the calendar reads, and lead_resolved aligned with lead."""
    from bot.calendar import spec_from_dict
    from bot.datafiles import load_directory

    directory = load_directory()
    names = scorer.fixture_names(folder)
    assert names, "no fixtures"
    for name in names:
        gold = scorer.load_gold(folder / f"{name}.expected.yaml")
        assert scorer.document_for(name, gold, folder).exists()
        ids = [str(t["id"]) for t in gold["tasks"]]
        assert len(ids) == len(set(ids)), f"{name}: duplicate ids"
        for task in gold["tasks"]:
            where = f"{name} {task['id']}"
            assert task["text"], where
            for spec in task.get("due") or []:
                spec_from_dict(spec)
            assert bool(task.get("due")) <= bool(task.get("deadline_text")), where
            for role in ("lead", "coordinating"):
                resolved = task.get(f"{role}_resolved") or []
                assert len(resolved) == len(task.get(role) or []), f"{where} {role}"
                for unit in resolved:
                    assert unit is None or unit in directory, f"{where}: {unit}"
        self_score = scorer.score_plan(name, gold, gold, directory=directory).counts
        assert (self_score.recall, self_score.precision, self_score.invented) == (1.0, 1.0, 0)


def test_the_seed_annotation_is_generated_from_the_reviewed_seed_plan() -> None:
    generator = _load("seed_annotation")
    assert (FIXTURES / "seed.expected.yaml").read_text(encoding="utf-8") == generator.render(), \
        "run `python scripts/seed_annotation.py`"
    assert (FIXTURES / "seed.txt").read_text(encoding="utf-8").startswith(" KẾ HOẠCH")


def test_a_collective_equals_the_collectives_it_is_made_of() -> None:
    from bot.datafiles import load_directory

    predicted = as_prediction(GOLD)
    predicted["tasks"][2]["lead"] = ["Các sở, ban, ngành", "UBND các huyện, thị xã, thành phố"]
    predicted["tasks"][2]["lead_resolved"] = [
        {"written": "Các sở, ban, ngành", "unit": "so-ban-nganh"},
        {"written": "UBND các huyện, thị xã, thành phố", "unit": "dia-phuong"}]
    assert scorer.score_plan("t", GOLD, predicted).counts.recall == pytest.approx(2 / 3)
    with_directory = scorer.score_plan("t", GOLD, predicted, directory=load_directory())
    assert with_directory.counts.recall == 1.0

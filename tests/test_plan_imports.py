"""Importing a parsed plan: stored inactive, listed, activated into /due, units mapped
(an alias the next import finds) or added, a corrected file replacing the import,
a cancelled import deleted. On SQLite and PostgreSQL: the use case writes storage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date

import pytest

from bot.app import App, running_app
from bot.calendar import Month, OnDate
from bot.config import Settings
from bot.plan_import import DocumentError
from bot.plan_import.model import ParsedPlan, ParsedTask, UnitRef
from bot.unit_edits import UnitEditError
from bot.usecases.plan_imports import (
    PlanImportError,
    new_plan_id,
    plan_start,
    short_title,
    to_plan,
)
from tests.admin_kit import audit_entries
from tests.conversation_kit import NOW
from tests.plan_files import UNKNOWN_MAPPED, UNKNOWN_NEW, as_json, as_yaml, sample_plan

ACTOR = "chat:100"


@pytest.fixture
async def db_app(database_url: str) -> AsyncIterator[App]:
    settings = Settings(database_url=database_url, admins=(ACTOR,))
    async with running_app(settings, clock=lambda: NOW) as running:
        yield running


# --- pure ------------------------------------------------------------------------------


def test_short_title_is_the_first_clause_cut_at_a_word() -> None:
    assert short_title("Rà soát thủ tục; báo cáo kết quả.") == "Rà soát thủ tục"
    assert short_title("Sở Tư pháp: rà soát") == "Sở Tư pháp"
    long = "Tiếp tục đẩy mạnh " + "công tác cải cách hành chính " * 6
    title = short_title(long)
    assert len(title) <= 90 and title.endswith("…") and long.startswith(title[:-1])
    assert short_title("3.5 triệu đồng") == "3.5 triệu đồng"


def test_a_parsed_plan_becomes_an_inactive_plan() -> None:
    parsed = replace(sample_plan(), tasks=(
        *sample_plan().tasks,
        ParsedTask("II.3", "Một nhiệm vụ khác cùng số.", lead=(UnitRef("Sở Y tế", "so-yt"),))))
    plan = to_plan(parsed, "plan-2023-1", fallback_title="x", today=date(2023, 8, 10))
    assert (plan.id, plan.active, plan.starts, plan.year) == (
        "plan-2023-1", False, date(2023, 7, 20), 2023)
    assert [t.code for t in plan.tasks][-2:] == ["II.3", "II.3 (2)"]
    assert [t.number for t in plan.tasks] == list(range(1, 8))
    first = plan.tasks[0]
    assert first.section == "I" and first.title.startswith("Rà soát")
    assert first.lead == () and first.assignees_text == (
        f"Chủ trì: Sở Tư pháp; Phối hợp: {UNKNOWN_MAPPED}, Sở Tài chính")
    assert plan.tasks[-1].lead == ("so-yt",)


def test_the_plan_starts_when_issued_else_at_its_first_date_else_today() -> None:
    today = date(2024, 1, 2)
    assert plan_start(sample_plan(), today) == date(2023, 7, 20)
    undated = replace(sample_plan(), issued=None)
    assert plan_start(undated, today) == date(2023, 8, 15)
    assert plan_start(ParsedPlan("x", tasks=(ParsedTask("1", "a"),)), today) == today
    assert new_plan_id(2023, {"plan-2023-1", "plan-2023-3"}) == "plan-2023-2"


# --- the use case, on both databases ---------------------------------------------------


async def test_imported_inactive_then_activated_into_due(db_app: App) -> None:
    imports = db_app.usecases.plan_imports
    services = db_app.services
    imported = await imports.import_file("kh45.json", as_json(sample_plan()), actor=ACTOR,
                                         now=NOW)
    plan = imported.plan
    assert plan.id == "plan-2023-1" and not plan.active
    assert [u.written for u in imported.unresolved] == [UNKNOWN_MAPPED, UNKNOWN_NEW]
    assert imported.unresolved[0].suggestions[0].unit_id == "so-nv"
    assert plan.task("I.1").lead == ("so-tp",)
    assert plan.task("I.1").coordinating == ("so-tc",)
    assert plan.id not in {p.id for p in services.snapshot.plans}

    listed = {s.id: s for s in await imports.summaries()}
    assert (listed[plan.id].active, listed[plan.id].tasks, listed[plan.id].unresolved,
            listed[plan.id].source_name) == (False, 6, 2, "kh45.json")
    assert listed["bn-2023-q3"].active  # the seed plan, still active beside it

    await imports.set_active(plan.id, True, actor=ACTOR, now=NOW)
    assert {p.id for p in services.snapshot.plans} == {"bn-2023-q3", plan.id}
    agenda = await services.agenda("so-tp", Month(2023, 8), NOW.date())
    assert (plan.id, "I.1") in {(i.plan_id, i.task.code) for i in agenda.items}
    assert any(i.plan_id == "bn-2023-q3" for i in agenda.items) or agenda.undated
    # Task ids stay unique across the plans.
    assert len(services.snapshot.tasks_by_id) == sum(len(p.tasks)
                                                     for p in services.snapshot.plans)

    await imports.set_active(plan.id, False, actor=ACTOR, now=NOW)
    assert plan.id not in {p.id for p in services.snapshot.plans}
    entries = [(a, t, o) for _, a, t, o in await audit_entries(db_app)]
    assert entries[-3:] == [("plan.import", f"plan:{plan.id}", "ok"),
                            ("plan.activate", f"plan:{plan.id}", "ok"),
                            ("plan.deactivate", f"plan:{plan.id}", "ok")]


async def test_a_mapped_name_is_an_alias_the_next_import_finds(db_app: App) -> None:
    imports = db_app.usecases.plan_imports
    first = await imports.import_file("a.json", as_json(sample_plan()), actor=ACTOR, now=NOW)
    unit, again = await imports.map_unit(first.plan.id, UNKNOWN_MAPPED, "so-nv",
                                         actor=ACTOR, now=NOW)
    assert unit.id == "so-nv"
    assert UNKNOWN_MAPPED in db_app.services.directory.get("so-nv").aliases
    assert [u.written for u in again.unresolved] == [UNKNOWN_NEW]
    assert again.plan.task("I.1").coordinating == ("so-nv", "so-tc")
    assert again.plan.task("II.3").lead == ("so-tttt", "so-nv")
    second = await imports.import_file("b.yaml", as_yaml(sample_plan()), actor=ACTOR, now=NOW)
    assert second.plan.id == "plan-2023-2"
    assert second.plan.task("I.1").coordinating == ("so-nv", "so-tc")

    unit, added = await imports.add_unit(second.plan.id, UNKNOWN_NEW, actor=ACTOR, now=NOW)
    assert unit.name == UNKNOWN_NEW and added.unresolved == []
    assert added.plan.task("I.2").lead == (unit.id,)
    summary = {s.id: s for s in await imports.summaries()}[second.plan.id]
    assert summary.unresolved == 0
    with pytest.raises(UnitEditError):  # the name belongs to Sở Nội vụ now
        await imports.map_unit(second.plan.id, UNKNOWN_MAPPED, "so-tp", actor=ACTOR,
                               now=NOW)
    with pytest.raises(UnitEditError):
        await imports.map_unit(second.plan.id, "Sở Mới", "no-such-unit", actor=ACTOR,
                               now=NOW)


async def test_a_corrected_file_replaces_the_import_and_a_cancel_deletes_it(
        db_app: App) -> None:
    imports = db_app.usecases.plan_imports
    first = await imports.import_file("a.json", as_json(sample_plan()), actor=ACTOR, now=NOW)
    corrected = replace(sample_plan("Kế hoạch đã sửa"), tasks=(
        ParsedTask("1", "Chỉ một nhiệm vụ.", lead=(UnitRef("Sở Y tế"),),
                   deadline_text="31/8/2023", due=(OnDate(date(2023, 8, 31)),)),))
    replaced = await imports.import_file("a.json", as_json(corrected), actor=ACTOR, now=NOW,
                                         replacing=first.plan.id)
    assert replaced.plan.id == first.plan.id
    stored = await imports.get(first.plan.id)
    assert stored is not None and stored.plan.title == "Kế hoạch đã sửa"
    assert [t.code for t in stored.plan.tasks] == ["1"] and stored.parsed is not None
    assert stored.parsed.to_json()["tasks"][0]["lead_resolved"] == [
        {"written": "Sở Y tế", "unit": "so-yt"}]

    await imports.discard(first.plan.id, actor=ACTOR, now=NOW)
    assert await imports.get(first.plan.id) is None
    for call in (imports.discard("bn-2023-q3", actor=ACTOR, now=NOW),  # not imported
                 imports.set_active("nope", True, actor=ACTOR, now=NOW),
                 imports.map_unit("nope", "x", "so-tp", actor=ACTOR, now=NOW)):
        with pytest.raises(PlanImportError):
            await call
    active = await imports.import_file("b.json", as_json(sample_plan()), actor=ACTOR, now=NOW)
    await imports.set_active(active.plan.id, True, actor=ACTOR, now=NOW)
    with pytest.raises(PlanImportError) as refused:
        await imports.discard(active.plan.id, actor=ACTOR, now=NOW)
    assert refused.value.code == "active"
    with pytest.raises(PlanImportError):
        await imports.import_file("b.json", as_json(corrected), actor=ACTOR, now=NOW,
                                  replacing=active.plan.id)


async def test_an_unreadable_file_is_refused_and_audited(db_app: App) -> None:
    imports = db_app.usecases.plan_imports
    for name, data in (("kh.json", b"{not json"), ("kh.json", b'{"title": "x"}'),
                       ("kh.exe", b"MZ")):
        with pytest.raises(DocumentError):
            await imports.import_file(name, data, actor=ACTOR, now=NOW)
    assert [s.id for s in await imports.summaries()] == ["bn-2023-q3"]
    assert [(a, o) for _, a, _, o in await audit_entries(db_app)][-3:] == [
        ("plan.import", "failed")] * 3

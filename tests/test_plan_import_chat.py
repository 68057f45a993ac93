"""Importing a plan in the chat: an admin sends the parsed plan as a document, sees
the preview, activates it (then /due shows its tasks), cancels it, downloads the
parsed file, maps or adds the units the directory does not know, and sends a
corrected file back. Non-admins, forged and stale buttons change nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from bot.app import App
from bot.calendar import OnDate
from bot.plan_import.model import ParsedTask, UnitRef
from tests.admin_kit import audit_entries, join_as
from tests.conversation_kit import ADMIN, FakePort, data, say, text
from tests.plan_files import UNKNOWN_MAPPED, UNKNOWN_NEW, as_json, as_yaml, sample_plan

PLAN = "plan-2023-1"


async def _plans(app: App) -> dict[str, bool]:
    return {s.id: s.active for s in await app.usecases.plan_imports.summaries()}


async def _send_plan(app: App, port: FakePort, name: str = "kh45.json",
                     content: bytes | None = None, user: str = ADMIN) -> list:
    media = port.upload(name, as_json(sample_plan()) if content is None else content)
    return await say(app, user, media=media)


async def test_the_preview_then_activate_puts_the_tasks_in_due(app: App,
                                                              port: FakePort) -> None:
    replies = await _send_plan(app, port)
    shown = text(replies)
    assert "Kế hoạch cải cách hành chính Quý III/2023" in shown
    assert "45/KH-UBND" in shown and "20/07/2023" in shown
    assert f"Kế hoạch {PLAN}" in shown or PLAN in shown
    assert "6 nhiệm vụ" in shown
    assert "8/2023: 2 · 9/2023: 1" in shown
    assert f"• {UNKNOWN_MAPPED} — có thể là: Sở Nội vụ" in shown
    assert f"• {UNKNOWN_NEW} —" in shown
    assert "• I.1 · Rà soát, đơn giản hóa thủ tục hành chính nội bộ; báo cáo kết quả về" \
        in shown and "Sở Tư pháp · trước ngày 31/8/2023" in shown
    assert "II.2" in shown and "II.3" not in shown  # five samples
    buttons = data(replies)
    assert buttons[:3] == [f"plan:on:{PLAN}", f"plan:no:{PLAN}", f"plan:get:{PLAN}"]
    assert f"plan:map:{PLAN}:1:so-nv" in buttons and f"plan:add:{PLAN}:1" in buttons
    assert f"plan:add:{PLAN}:3" in buttons  # Cục Thống kê tỉnh: no suggestion to map to
    assert await _plans(app) == {PLAN: False, "bn-2023-q3": True}

    officer = "1"
    await join_as(app, port, officer, "Trần Văn Bình", "Sở Tư pháp")
    assert "Rà soát, đơn giản hóa" not in text(await say(app, officer, "/due 8/2023"))

    done = await say(app, ADMIN, choice=f"plan:on:{PLAN}")
    assert done[0].edit and "/han" in text(done)
    assert await _plans(app) == {PLAN: True, "bn-2023-q3": True}
    due = text(await say(app, officer, "/due 8/2023"))
    assert "Rà soát, đơn giản hóa thủ tục hành chính nội bộ" in due

    listing = await say(app, ADMIN, "/plans")
    assert PLAN in text(listing) and "bn-2023-q3" in text(listing)
    assert f"plan:off:{PLAN}" in data(listing) and f"plan:view:{PLAN}" in data(listing)
    await say(app, ADMIN, choice=f"plan:off:{PLAN}")
    assert "Rà soát, đơn giản hóa" not in text(await say(app, officer, "/due 8/2023"))
    actions = [(a, o) for actor, a, _, o in await audit_entries(app) if a.startswith("plan.")]
    assert actions == [("plan.import", "ok"), ("plan.activate", "ok"),
                       ("plan.deactivate", "ok")]


async def test_cancel_stores_nothing(app: App, port: FakePort) -> None:
    await _send_plan(app, port)
    replies = await say(app, ADMIN, choice=f"plan:no:{PLAN}")
    assert replies[0].edit and "Kế hoạch cải cách hành chính" in text(replies)
    assert await _plans(app) == {"bn-2023-q3": True}
    # The preview's other buttons are stale now.
    for choice in (f"plan:on:{PLAN}", f"plan:get:{PLAN}", f"plan:map:{PLAN}:1:so-nv"):
        assert "không còn hiệu lực" in text(await say(app, ADMIN, choice=choice))
    assert await _plans(app) == {"bn-2023-q3": True}


async def test_the_parsed_file_is_the_parsed_plan(app: App, port: FakePort) -> None:
    await _send_plan(app, port, "kh45.yaml", as_yaml(sample_plan()))
    replies = await say(app, ADMIN, choice=f"plan:get:{PLAN}")
    attachment = replies[0].attachment
    assert attachment is not None and attachment.filename == f"{PLAN}.json"
    assert attachment.mime_type == "application/json"
    got = json.loads(attachment.content)
    expected = app.usecases.plan_imports.parse("kh45.yaml", as_yaml(sample_plan()))
    assert got == expected.to_json()
    assert got["tasks"][0]["lead_resolved"] == [{"written": "Sở Tư pháp", "unit": "so-tp"}]


async def test_a_corrected_file_replaces_the_pending_import(app: App, port: FakePort) -> None:
    await _send_plan(app, port)
    corrected = replace(sample_plan("Kế hoạch đã sửa"), tasks=(
        ParsedTask("1", "Một nhiệm vụ đã sửa.", lead=(UnitRef("Sở Y tế"),),
                   deadline_text="trước ngày 31/8/2023", due=(OnDate(date(2023, 8, 31)),)),))
    replies = await _send_plan(app, port, "kh45-sua.json", as_json(corrected))
    assert "thay cho" in text(replies) and "Kế hoạch đã sửa" in text(replies)
    assert await _plans(app) == {PLAN: False, "bn-2023-q3": True}
    assert data(replies)[0] == f"plan:on:{PLAN}"
    stored = await app.usecases.plan_imports.get(PLAN)
    assert stored is not None and [t.code for t in stored.plan.tasks] == ["1"]


async def test_map_a_name_and_the_next_import_knows_it(app: App, port: FakePort) -> None:
    await _send_plan(app, port)
    replies = await say(app, ADMIN, choice=f"plan:map:{PLAN}:1:so-nv")
    assert f"“{UNKNOWN_MAPPED}” là Sở Nội vụ" in text(replies[:1])
    assert replies[1].edit and f"• {UNKNOWN_MAPPED}" not in text(replies[1:])
    assert f"plan:map:{PLAN}:1:so-nv" not in data(replies)
    assert UNKNOWN_MAPPED in app.services.directory.get("so-nv").aliases
    # The same button again: the name is known now, nothing changes.
    assert "không còn hiệu lực" in text(await say(app, ADMIN, choice=f"plan:map:{PLAN}:1:so-nv"))

    await say(app, ADMIN, choice=f"plan:on:{PLAN}")
    second = await _send_plan(app, port, "kh46.json")
    assert f"• {UNKNOWN_MAPPED}" not in text(second) and f"• {UNKNOWN_NEW}" in text(second)
    stored = await app.usecases.plan_imports.get("plan-2023-2")
    assert stored is not None and stored.plan.task("I.1").coordinating == ("so-nv", "so-tc")

    added = await say(app, ADMIN, choice="plan:add:plan-2023-2:3")
    assert UNKNOWN_NEW in text(added[:1])
    assert "Đơn vị chưa có trong danh mục" not in text(added[1:])
    unit_id = app.services.find_unit(UNKNOWN_NEW)
    assert unit_id is not None
    stored = await app.usecases.plan_imports.get("plan-2023-2")
    assert stored is not None and stored.plan.task("I.2").lead == (unit_id,)
    actions = [a for _, a, _, o in await audit_entries(app) if o == "ok"]
    assert "unit.alias" in actions and "unit.add" in actions


async def test_others_and_forged_buttons_change_nothing(app: App, port: FakePort) -> None:
    await _send_plan(app, port)
    officer = "1"
    await join_as(app, port, officer, "Trần Văn Bình", "Sở Tư pháp")
    refused = await _send_plan(app, port, user=officer)
    assert "Chỉ quản trị viên" in text(refused)
    for choice in (f"plan:on:{PLAN}", f"plan:no:{PLAN}", f"plan:get:{PLAN}",
                   f"plan:map:{PLAN}:1:so-nv", f"plan:add:{PLAN}:3"):
        replies = await say(app, officer, choice=choice)
        assert "Chỉ quản trị viên" in text(replies) and replies[0].attachment is None
    assert "Chỉ quản trị viên" in text(await say(app, officer, "/plans"))
    for forged in ("plan:on:nope", "plan:no:bn-2023-q3", f"plan:map:{PLAN}:1:so-tp",
                   f"plan:map:{PLAN}:0:so-tp", f"plan:map:{PLAN}:99:so-nv",
                   f"plan:add:{PLAN}:0", f"plan:add:{PLAN}:x", "plan:zap", "plan"):
        await say(app, ADMIN, choice=forged)
    assert await _plans(app) == {PLAN: False, "bn-2023-q3": True}
    assert UNKNOWN_MAPPED not in app.services.directory.get("so-tp").aliases
    assert app.services.find_unit(UNKNOWN_NEW) is None
    denied = [a for actor, a, _, o in await audit_entries(app)
              if actor == f"chat:{officer}" and o == "denied"]
    assert denied[:2] == ["plan.import", "plan.activate"] and "plan.list" in denied


async def test_an_unreadable_document_is_explained(app: App, port: FakePort) -> None:
    replies = await _send_plan(app, port, "kh.json", b"{broken")
    assert "kh.json" in text(replies) and await _plans(app) == {"bn-2023-q3": True}
    gone = await say(app, ADMIN, media=replace(port.upload("x.json", b"{}"), file_id="gone"))
    assert "x.json" in text(gone)


async def test_a_broadcast_waiting_for_its_content_takes_the_document(
        app: App, port: FakePort) -> None:
    await say(app, ADMIN, "/broadcast")
    replies = await _send_plan(app, port)
    assert not any(d.startswith("plan:") for d in data(replies))
    assert await _plans(app) == {"bn-2023-q3": True}


async def test_a_real_plan_document_is_read_and_previewed(app: App, port: FakePort) -> None:
    """Not a parsed file: the plan's own text, read by the parser end to end."""
    from pathlib import Path
    document = Path(__file__).parent / "data/plans/prose_quangninh_2025.txt"
    replies = await _send_plan(app, port, "kh45-quangninh.txt", document.read_bytes())
    shown = text(replies)
    assert "Kế hoạch thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững" in shown
    assert "45/KH-UBND" in shown and "12/03/2025" in shown and "16 nhiệm vụ" in shown
    assert "Sở Dân tộc và Tôn giáo" in shown  # a unit the 2023 directory lacks
    assert "II.1.a" in shown
    await say(app, ADMIN, choice=f"plan:on:{data(replies)[0].split(':')[2]}")
    plans = await _plans(app)
    assert sum(plans.values()) == 2  # the seed plan and this one, both active

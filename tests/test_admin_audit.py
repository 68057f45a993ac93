"""The audit log: every admin action (and every refused attempt) is written with
who, what, on what, when and how it ended — in the chat (/audit) and the shell
(nhacviec audit), where the unit edits also run."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.app import App
from tests.admin_kit import audit_entries, join_as
from tests.conversation_kit import ADMIN, NOW, FakePort, data, say, text


async def test_each_admin_action_is_audited_and_shown(app: App, port: FakePort) -> None:
    await say(app, ADMIN, "/lang vi", name="Chánh Văn phòng")  # the admin gets a name
    binh = await join_as(app, port, "1", "Trần Thị Bình")  # invite.create
    await say(app, ADMIN, f"/promote #{binh}")  # member.promote
    await say(app, "2", "/start")
    await say(app, "2", "cuc thue")
    request = next(d for d in data(await say(app, "2", choice="join:cuc-thue"))
                   if d.startswith("jr:r:"))
    await say(app, ADMIN, choice=request)  # join.reject
    await say(app, ADMIN, "/dayoff 11/02/2027 Nghỉ bù")  # calendar.dayoff
    await say(app, ADMIN, "/workday 14/02/2027")  # calendar.workday
    await say(app, ADMIN, "hello", chat="-500", group=True)
    port.chat_admins.add(("-500", ADMIN))
    await say(app, ADMIN, "/bind Sở Tư pháp", chat="-500", group=True)  # group.bind
    await say(app, ADMIN, "/unbind", chat="-500", group=True)  # group.unbind
    await say(app, ADMIN, "/units add Sở Ngoại vụ")  # unit.add
    await say(app, "1", "/units add Sở Ngoại giao")  # unit.add, denied: a lead
    await say(app, "1", "/dayoff 12/02/2027")  # calendar.dayoff, denied
    entries = await audit_entries(app)
    assert [(a, o) for _, a, _, o in entries] == [
        ("invite.create", "ok"), ("member.promote", "ok"), ("join.reject", "ok"),
        ("calendar.dayoff", "ok"), ("calendar.workday", "ok"), ("group.bind", "ok"),
        ("group.unbind", "ok"), ("unit.add", "ok"), ("unit.add", "denied"),
        ("calendar.dayoff", "denied")]
    assert entries[1] == (f"chat:{ADMIN}", "member.promote", f"member:{binh}", "ok")
    assert entries[5][2] == "chat:chat:-500"
    shown = text(await say(app, ADMIN, "/nhatky"))
    assert "10 thao tác gần nhất" in shown
    assert "• 09:00 10/08/2023 · Chánh Văn phòng" in shown  # local time, by name
    # Actions in words, not their code names.
    assert f"nâng quyền → Trần Thị Bình (#{binh}) · ✓" in shown
    assert "thêm đơn vị → Sở Ngoại vụ" in shown
    assert "thêm ngày nghỉ · ⛔ bị từ chối" in shown
    assert shown.index("thêm ngày nghỉ · ⛔") < shown.index("tạo lời mời")  # newest first
    assert "member.promote" not in shown
    assert "2 thao tác gần nhất" in text(await say(app, ADMIN, "/audit 2"))
    assert "10 thao tác" in text(await say(app, ADMIN, "/audit 99999"))
    assert "Gửi /audit" in text(await say(app, ADMIN, "/audit nhiều"))
    assert "Chỉ quản trị viên" in text(await say(app, "1", "/audit"))
    # Reading the log is no admin action, but a refused attempt to read it is.
    assert (await audit_entries(app))[-1][1:] == ("audit.view", None, "denied")


async def test_refused_and_failed_attempts_are_audited(app: App, port: FakePort) -> None:
    await join_as(app, port, "1", "Trần Thị Bình")
    later = NOW + timedelta(minutes=2)
    await say(app, "1", "/invite Sở Tư pháp", at=later)
    await say(app, "1", choice="unit:mg:so-tp:so-tc", at=later)
    await say(app, ADMIN, "/units merge Sở Tư pháp => Sở Tư pháp", at=later)
    await say(app, ADMIN, "/units rename Sở Tư pháp => Sở Tài chính", at=later)
    tail = (await audit_entries(app))[-4:]
    assert tail == [("chat:1", "invite.create", None, "denied"),
                    ("chat:1", "unit.merge", "so-tp:so-tc", "denied"),
                    (f"chat:{ADMIN}", "unit.merge", "unit:so-tp", "failed"),
                    (f"chat:{ADMIN}", "unit.rename", "unit:so-tp", "failed")]


# --- the shell --------------------------------------------------------------------------


def test_units_edits_from_the_shell(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["units", "add", "Sở Ngoại vụ", "--kind", "sở"]) == 0
    assert "Added so-ngoai-vu: Sở Ngoại vụ (department)" in capsys.readouterr().out
    assert main(["units", "rename", "so ngoai vu", "Sở Ngoại vụ và Hợp tác"]) == 0
    assert "Sở Ngoại vụ -> Sở Ngoại vụ và Hợp tác" in capsys.readouterr().out
    assert main(["units", "resolve", "Sở Ngoại vụ", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == "so-ngoai-vu"
    assert main(["units", "merge", "Sở Ngoại vụ", "Văn phòng UBND tỉnh"]) == 0
    assert "Merged so-ngoai-vu into vp-ubnd: moved 0 members" in capsys.readouterr().out
    assert main(["units", "deactivate", "Cục Thuế tỉnh"]) == 0
    assert "cuc-thue: deactivated" in capsys.readouterr().out
    assert main(["units", "list", "--json"]) == 0
    units = {u["id"]: u for u in json.loads(capsys.readouterr().out)}
    assert units["so-ngoai-vu"]["merged_into"] == "vp-ubnd"
    assert units["so-ngoai-vu"]["aliases"] == ["Sở Ngoại vụ"]
    assert units["cuc-thue"]["active"] is False
    assert main(["units", "activate", "Cục Thuế tỉnh"]) == 0
    capsys.readouterr()
    for argv, error in ((["units", "add", "Sở Tư pháp"], "already belongs to Sở Tư pháp"),
                        (["units", "add", "  "], "The name is empty"),
                        (["units", "add", "Hội X", "--kind", "bộ"], "Unknown kind"),
                        (["units", "merge", "Sở Ngoại vụ", "Sở Tư pháp"], "merged into"),
                        (["units", "merge", "Sở Tư pháp", "Sở Tư pháp"], "into itself"),
                        (["units", "rename", "Bộ Ngoại giao", "X"], "No unit matches"),
                        (["units", "activate", "Cục Thuế"], "already so"),
                        (["audit", "--limit", "0"], "--limit must be")):
        assert main(argv) == 1, argv
        assert error in capsys.readouterr().err, argv
    assert main(["audit", "--json", "--limit", "200"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert {e["actor"] for e in entries} == {"cli"}
    assert [(e["action"], e["outcome"]) for e in reversed(entries)][:6] == [
        ("unit.add", "ok"), ("unit.rename", "ok"), ("unit.merge", "ok"),
        ("unit.deactivate", "ok"), ("unit.activate", "ok"), ("unit.add", "failed")]
    assert entries[-2]["detail"] == {"from": "Sở Ngoại vụ", "to": "Sở Ngoại vụ và Hợp tác"}
    assert main(["audit", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "1 entry" in out and "failed  unit.activate" in out and "Cục Thuế tỉnh" in out


def test_reminder_settings_and_calendar_from_the_shell_are_audited(
        shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reminders", "set", "--unit", "Sở Tư pháp", "--lead", "5,2"]) == 0
    assert main(["reminders", "set", "--unit", "Sở Tư pháp", "--reset"]) == 0
    assert main(["calendar", "off", "2027-02-11", "--note", "Nghỉ bù"]) == 0
    assert main(["calendar", "remove", "2027-02-11"]) == 0
    capsys.readouterr()
    assert main(["audit", "--json"]) == 0
    entries = list(reversed(json.loads(capsys.readouterr().out)))
    assert [(e["actor"], e["action"], e["target"]) for e in entries] == [
        ("cli", "reminders.set", "unit:so-tp"), ("cli", "reminders.reset", "unit:so-tp"),
        ("cli", "calendar.dayoff", "day:2027-02-11"), ("cli", "calendar.remove",
                                                      "day:2027-02-11")]
    assert entries[0]["detail"] == {"lead": [5, 2], "time": None}
    assert entries[2]["detail"] == {"note": "Nghỉ bù"}

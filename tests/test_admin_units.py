"""The unit directory edited by admins in the chat: add, rename (the old name keeps
resolving), merge (members and groups move, history stays and counts), deactivate
(gone from /units and from reminders), activate; bad input and forged confirmations
change nothing; another process on the same database sees every edit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot.app import App, running_app
from bot.channels.local import Persona, TerminalChat
from bot.config import Settings
from bot.members import MemberRole
from bot.scheduler import ReminderScheduler
from storage.models import ChatRow
from tests.admin_kit import audit_entries, join_as, role_of, state
from tests.conversation_kit import ADMIN, HANOI, NOW, FakePort, data, say, text


async def test_add_then_invite_and_list(app: App, port: FakePort) -> None:
    replies = await say(app, ADMIN, "/units add Sở Ngoại vụ")
    assert "Đã thêm Sở Ngoại vụ (sở, ban, ngành)" in text(replies)
    assert "• Sở Ngoại vụ" in text(await say(app, "1", "/units"))
    assert app.services.resolve_unit("so ngoai vu") == "so-ngoai-vu"
    await join_as(app, port, "1", "Trần Thị Bình", "Sở Ngoại vụ")
    assert await role_of(app, "1") == ("officer", "so-ngoai-vu", True)
    # The kind, given after a comma in Vietnamese; guessed when not given.
    assert "(tổ chuyên gia)" in text(await say(app, ADMIN, "/donvi them Nhóm công tác số 9, "
                                                            "tổ chuyên gia"))
    assert "(địa phương)" in text(await say(app, ADMIN, "/units add UBND xã Tân Sở"))
    assert "(cơ quan khác)" in text(await say(app, ADMIN, "/units add Hội Nông dân tỉnh"))


async def test_add_refuses_bad_names_and_changes_nothing(app: App, port: FakePort) -> None:
    before = await state(app)
    for command, answer in (("/units add", "Gửi /units add"),
                            ("/units add , sở", "đang để trống"),
                            ("/units add " + "Sở " * 100, "Tên quá dài"),
                            ("/units add sở tư pháp", "Tên này đã thuộc về Sở Tư pháp"),
                            ("/units add SKHĐT", "Tên này đã thuộc về Sở Kế hoạch và Đầu tư")):
        assert answer in text(await say(app, ADMIN, command)), command
    assert await state(app) == before
    assert [o for _, a, _, o in await audit_entries(app) if a == "unit.add"] == ["failed"] * 4


async def test_rename_keeps_the_old_name_resolving(app: App, port: FakePort) -> None:
    await join_as(app, port, "1", "Trần Thị Bình", "UBND thị xã Quế Võ")
    replies = await say(app, ADMIN, "/units rename UBND thị xã Quế Võ => UBND thành phố Quế Võ")
    assert "Đã đổi tên: UBND thị xã Quế Võ → UBND thành phố Quế Võ" in text(replies)
    assert "UBND thành phố Quế Võ — tháng 8/2023" in text(await say(app, "1", "/due"))
    assert app.services.resolve_unit("UBND thị xã Quế Võ") == "ubnd-tx-que-vo"
    assert "UBND thành phố Quế Võ — tháng 8/2023" in text(
        await say(app, ADMIN, "/due ubnd thi xa que vo"))
    listing = text(await say(app, ADMIN, "/units"))
    assert "UBND thành phố Quế Võ" in listing and "UBND thị xã Quế Võ" not in listing
    assert "Gửi /units rename" in text(await say(app, ADMIN, "/units rename Quế Võ"))
    assert "Tên này đã thuộc về Sở Tư pháp" in text(
        await say(app, ADMIN, "/units rename Sở Tài chính => STP"))
    assert "Không có đơn vị nào khớp" in text(
        await say(app, ADMIN, "/units rename Bộ Ngoại giao => Bộ Ngoại vụ"))
    assert "không sửa được" in text(await say(
        app, ADMIN, "/units rename UBND các huyện, thị xã, thành phố => Các địa phương"))


async def test_merge_moves_people_and_groups_and_keeps_history(
        app: App, port: FakePort) -> None:
    await join_as(app, port, "1", "Trần Thị Bình", "Sở Tư pháp")
    await join_as(app, port, "2", "Đỗ Thị Dung", "Sở Tài chính")
    await say(app, "1", "/update II.8.1 xong 80%, đã trình UBND")
    await say(app, ADMIN, "hello", chat="-500", group=True)
    port.chat_admins.add(("-500", ADMIN))
    await say(app, ADMIN, "/bind Sở Tư pháp", chat="-500", group=True)
    ask = await say(app, ADMIN, "/units merge so tu phap => STC")
    assert "Sáp nhập Sở Tư pháp vào Sở Tài chính? 1 thành viên" in text(ask)
    assert data(ask) == ["unit:mg:so-tp:so-tc", "unit:no"]
    before = await state(app)
    assert "Chỉ quản trị viên" in text(await say(app, "1", choice="unit:mg:so-tp:so-tc"))
    assert "Không có gì thay đổi" in text(await say(app, ADMIN, choice="unit:no"))
    assert await state(app) == before
    done = await say(app, ADMIN, choice="unit:mg:so-tp:so-tc")
    assert "Đã sáp nhập: Sở Tư pháp nay thuộc Sở Tài chính" in text(done)
    assert "1 thành viên, 1 nhóm, 0 yêu cầu tham gia" in text(done)
    assert await role_of(app, "1") == ("officer", "so-tc", True)
    async with app.sessions() as session:
        chat = await session.scalar(select(ChatRow).where(ChatRow.channel_chat_id == "-500"))
    assert chat is not None and chat.unit_id == "so-tc"
    # The old unit's update counts for the successor, for everyone in it.
    for user in ("1", "2"):
        history = text(await say(app, user, "/history"))
        assert "Sở Tài chính — cập nhật gần đây" in history and "II.8.1" in history
    due = text(await say(app, "2", "/due"))
    line = next(x for x in due.splitlines() if "Rà soát quy định của tỉnh" in x)
    assert line.endswith("✓")
    assert "Sở Tài chính — tháng 8/2023" in text(await say(app, ADMIN, "/due Sở Tư pháp"))
    assert app.services.resolve_unit("STP") == "so-tc"
    assert "• Sở Tư pháp" not in text(await say(app, ADMIN, "/units"))
    # Once merged, it cannot be merged, renamed or deactivated again.
    for command in ("/units merge Sở Tư pháp => Sở Xây dựng",
                    "/units rename Sở Tư pháp => Sở Pháp chế",
                    "/units deactivate Sở Tư pháp"):
        assert "đã được sáp nhập vào Sở Tài chính" in text(await say(app, ADMIN, command))
    assert "đã được sáp nhập" in text(await say(app, ADMIN, choice="unit:mg:so-tp:so-xd"))


async def test_merge_refuses_what_makes_no_sense(app: App, port: FakePort) -> None:
    before = await state(app)
    for command, answer in (
            ("/units merge Sở Tư pháp", "Gửi /units merge"),
            ("/units merge Sở Tư pháp => Sở Tư pháp", "chính nó"),
            ("/units merge Bộ Ngoại giao => Sở Tư pháp", "Không có đơn vị nào khớp"),
            ("/units merge Các sở, ban, ngành => Sở Tư pháp", "là một nhóm đơn vị"),
            ("/units merge Ban chỉ đạo => Sở Tư pháp", "Bạn muốn chọn đơn vị nào")):
        assert answer in text(await say(app, ADMIN, command)), command
    for forged, answer in (("unit:mg:nope:so-tc", "Không có đơn vị này"),
                           ("unit:mg:so-tp:so-tp", "chính nó"),
                           ("unit:off:dia-phuong", "là một nhóm đơn vị"),
                           ("unit:zz", "không còn hiệu lực")):
        assert answer in text(await say(app, ADMIN, choice=forged)), forged
    assert await state(app) == before


async def test_deactivate_hides_the_unit_from_units_and_reminders(
        app: App, port: FakePort) -> None:
    engine = app.usecases.reminders
    start, end = NOW, NOW + timedelta(days=40)

    async def reminded(unit: str) -> bool:
        return any(unit in r.units for r in await engine.schedule(start, end))

    assert await reminded("cuc-thue")
    ask = await say(app, ADMIN, "/units deactivate Cục Thuế tỉnh")
    assert "Ngừng hoạt động Cục Thuế tỉnh?" in text(ask)
    assert data(ask) == ["unit:off:cuc-thue", "unit:no"]
    assert "Chỉ quản trị viên" in text(await say(app, "5", choice="unit:off:cuc-thue"))
    assert await reminded("cuc-thue")
    assert "đã ngừng hoạt động" in text(await say(app, ADMIN, choice="unit:off:cuc-thue"))
    assert "Cục Thuế" not in text(await say(app, ADMIN, "/units"))
    assert not await reminded("cuc-thue")
    # Nor does it take newcomers.
    await say(app, "5", "/start")
    assert "join:cuc-thue" not in data(await say(app, "5", "Cục Thuế tỉnh"))
    assert "không còn hiệu lực" in text(await say(app, "5", choice="join:cuc-thue"))
    assert "đã ở trạng thái đó" in text(await say(app, ADMIN, "/units deactivate Cục Thuế"))
    assert "hoạt động trở lại" in text(await say(app, ADMIN, "/units kich hoat Cục Thuế"))
    assert "Cục Thuế" in text(await say(app, ADMIN, "/units"))
    assert await reminded("cuc-thue")
    actions = [(a, t, o) for _, a, t, o in await audit_entries(app) if a.startswith("unit.")]
    assert actions == [("unit.deactivate", "cuc-thue", "denied"),
                       ("unit.deactivate", "unit:cuc-thue", "ok"),
                       ("unit.deactivate", "unit:cuc-thue", "failed"),
                       ("unit.activate", "unit:cuc-thue", "ok")]


async def test_another_process_sees_the_edits(database_url: str) -> None:
    """Two bot processes on one database (SQLite and PostgreSQL): an edit in one
    reaches the other at its next scheduler tick; a check with nothing new does not
    reload."""
    settings = Settings(database_url=database_url, admins=(f"chat:{ADMIN}",))
    clock = datetime(2023, 8, 10, 9, 0, tzinfo=HANOI)
    async with running_app(settings, clock=lambda: clock) as one, \
            running_app(settings, clock=lambda: clock) as two:
        await one.usecases.unit_admin.add("Sở Ngoại vụ", None, actor="cli", now=clock)
        assert one.services.resolve_unit("Sở Ngoại vụ") == "so-ngoai-vu"
        assert two.services.resolve_unit("Sở Ngoại vụ") is None  # not yet
        assert await two.services.reload_if_changed()
        assert two.services.resolve_unit("Sở Ngoại vụ") == "so-ngoai-vu"
        assert not await two.services.reload_if_changed()
        await one.usecases.unit_admin.rename("so-ngoai-vu", "Sở Ngoại vụ và Hợp tác",
                                             actor="cli", now=clock)
        await ReminderScheduler(two, {}).tick()
        assert two.services.directory.get("so-ngoai-vu").name == "Sở Ngoại vụ và Hợp tác"
        # A day off declared in one process moves the other's reminders too.
        monday = date(2023, 8, 21)
        assert two.services.workdays("vi").is_working_day(monday)
        await one.usecases.preferences.change_calendar(monday, "off", note="", by="cli",
                                                       now=clock)
        assert await two.services.reload_if_changed()
        assert not two.services.workdays("vi").is_working_day(monday)


async def test_without_buttons_the_confirmation_is_a_numbered_choice(app: App) -> None:
    """The terminal (like Zalo) has no buttons: "1" answers the first option."""
    lines = ["/units merge Sở Xây dựng => Sở Tài chính", "1", "/units", "/quit"]
    printed: list[str] = []

    async def read_line(prompt: str) -> str | None:
        return lines.pop(0) if lines else None

    await TerminalChat(app, read_line, printed.append).run(Persona(MemberRole.ADMIN))
    out = "\n".join(printed)
    assert "[1] Đồng ý sáp nhập  [2] Huỷ" in out
    assert "Đã sáp nhập: Sở Xây dựng nay thuộc Sở Tài chính" in out
    assert app.services.resolve_unit("Sở Xây dựng") == "so-tc"

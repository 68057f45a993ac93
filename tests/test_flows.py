"""Onboarding, progress updates and groups through the neutral conversation layer
(the same router every channel uses), on a real database, with the clock passed in."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.messages import Address, ChatEvent
from bot.rich import to_plain
from tests.conversation_kit import ADMIN, NOW, FakePort, data, invite_code, joined, say, text

# --- onboarding ---------------------------------------------------------------------------


async def test_join_by_invite(app: App, port: FakePort) -> None:
    code = await invite_code(app, port)
    assert "Bạn đã là thành viên của Sở Tư pháp" in text(await say(app, "1", f"/start {code}"))
    assert "Sở Tư pháp — tháng 8/2023" in text(await say(app, "1", "/due"))
    # One use only: a second person is told, and sees nothing.
    assert "không hợp lệ" in text(await say(app, "2", f"/start {code}"))
    assert "chưa đăng ký" in text(await say(app, "2", "/due"))


async def test_invite_is_for_admins_only(app: App, port: FakePort) -> None:
    assert "Chỉ quản trị viên" in text(await say(app, "1", "/invite Sở Tư pháp"))


async def test_expired_invite(app: App, port: FakePort) -> None:
    code = await invite_code(app, port)
    later = NOW + timedelta(days=8)
    assert "không hợp lệ" in text(await say(app, "1", f"/start {code}", at=later))


async def test_join_by_request_and_approval(app: App, port: FakePort) -> None:
    replies = await say(app, "1", "/start")
    assert "Bạn làm việc ở đơn vị nào" in text(replies)
    replies = await say(app, "1", "so tu phap")
    assert "join:so-tp" in data(replies)
    replies = await say(app, "1", choice="join:so-tp")
    card = next(r for r in replies if r.to == Address("chat", ADMIN))
    assert "Nguyễn Văn A xin tham gia Sở Tư pháp" in to_plain(card.body)
    approve = next(d for d in data([card]) if d.startswith("jr:a:"))
    assert "đã được gửi tới quản trị viên" in text([r for r in replies if r.to is None])
    # Until the decision, nothing of any unit.
    assert "chưa đăng ký" in text(await say(app, "1", "/due"))
    assert "đang chờ quản trị viên" in text(await say(app, "1", "/start"))
    # A forged approval from the requester changes nothing.
    assert "Chỉ quản trị viên" in text(await say(app, "1", choice=approve))
    decided = await say(app, ADMIN, choice=approve)
    assert "Đã chấp thuận" in text([r for r in decided if r.to is None])
    told = next(r for r in decided if r.to == Address("chat", "1"))
    assert "Bạn đã là thành viên của Sở Tư pháp" in to_plain(told.body)
    assert "Sở Tư pháp — tháng 8/2023" in text(await say(app, "1", "/due"))
    # A second press (another admin, or a double tap) does nothing twice.
    assert "đã được xử lý" in text(await say(app, ADMIN, choice=approve))


async def test_join_by_request_and_rejection(app: App, port: FakePort) -> None:
    await say(app, "1", "/start")
    await say(app, "1", "cuc thue")
    replies = await say(app, "1", choice="join:cuc-thue")
    reject = next(d for d in data(replies) if d.startswith("jr:r:"))
    decided = await say(app, ADMIN, choice=reject)
    told = next(r for r in decided if r.to == Address("chat", "1"))
    assert "không được chấp thuận" in to_plain(told.body)
    assert "chưa đăng ký" in text(await say(app, "1", "/due"))


async def test_unknown_unit_name_and_none_of_these(app: App, port: FakePort) -> None:
    await say(app, "1", "/start")
    assert "Không có đơn vị nào khớp" in text(await say(app, "1", "qwertyuiop"))
    await say(app, "1", "so tai chinh")
    assert "Nhập lại tên" in text(await say(app, "1", choice="join:none"))
    assert "join:so-tp" in data(await say(app, "1", "Sở Tư pháp"))


async def test_forged_join_buttons(app: App, port: FakePort) -> None:
    for forged in ("join:dia-phuong", "join:no-such-unit", "jr:a:999", "jr:x:1", "jr:a:abc"):
        replies = await say(app, ADMIN if forged.startswith("jr") else "1", choice=forged)
        assert "không còn hiệu lực" in text(replies) or "Chỉ quản trị viên" in text(replies)


async def test_whoami_lang_leave(app: App, port: FakePort) -> None:
    code = await invite_code(app, port)
    await say(app, "1", f"/start {code}")
    assert "Đơn vị: Sở Tư pháp" in text(await say(app, "1", "/whoami"))
    assert "English" in text(await say(app, "1", "/lang en"))
    assert "Unit: Sở Tư pháp" in text(await say(app, "1", "/whoami"))
    assert "Deadlines this month" in text(await say(app, "1", "/due"))
    assert "tiếng Việt" in text(await say(app, "1", "/lang vi"))
    replies = await say(app, "1", "/leave")
    assert "leave:yes" in data(replies)
    assert "Không có gì thay đổi" in text(await say(app, "1", choice="leave:no"))
    assert "Đã xoá" in text(await say(app, "1", choice="leave:yes"))
    assert "chưa đăng ký" in text(await say(app, "1", "/due"))


async def test_language_follows_the_app_until_chosen(app: App, port: FakePort) -> None:
    assert "Which unit do you work for" in text(await say(app, "9", "/start", language="en"))
    assert "đơn vị nào" in text(await say(app, "8", "/start", language=None))


# --- progress updates ------------------------------------------------------------------------


async def test_update_by_buttons_then_undo(app: App, port: FakePort) -> None:
    await joined(app, port)
    replies = await say(app, "1", "/update")
    choices = data(replies)
    assert choices and choices[0].startswith("upd:t:")
    labels = [o.label for r in replies for row in r.options for o in row]
    assert labels[0].startswith("III.2 · 22/08")  # the next 5th/22nd cycle comes first
    replies = await say(app, "1", choice=choices[0])
    assert "Kỳ báo cáo: 22/08/2023" in text(replies)
    replies = await say(app, "1", "đã gửi báo cáo 100%")
    assert "Đã lưu cập nhật" in text(replies)
    assert "kỳ 22/08/2023 · hoàn thành · 100%" in text(replies)
    undo = next(d for d in data(replies) if d.startswith("undo:"))
    assert "trước ngày 22/08/2023 (Thứ Ba) ✓" in text(await say(app, "1", "/due"))
    assert "Đã gỡ" in text(await say(app, "1", choice=undo))
    assert "✓" not in text(await say(app, "1", "/due"))


async def test_one_line_update_and_history(app: App, port: FakePort) -> None:
    await joined(app, port)
    replies = await say(app, "1", "/update II.8.1 xong 80%, đã trình UBND")
    assert "II.8.1" in text(replies) and "kỳ 31/08/2023 · hoàn thành · 80%" in text(replies)
    replies = await say(app, "1", "/capnhat II.6.3 vướng số liệu 30%")
    assert "đang vướng · 30%" in text(replies)
    history = text(await say(app, "1", "/history"))
    assert history.index("II.6.3") < history.index("II.8.1")  # newest first
    assert "Nguyễn Văn A" in history and "«xong 80%, đã trình UBND»" in history
    assert "II.8.1" not in text(await say(app, "1", "/history II.6.3"))
    # II.8.1 is done: no longer overdue next month, and not offered by /update.
    assert "II.8.1" not in text(await say(app, "1", "/quahan", at=NOW + timedelta(days=30)))


async def test_undo_only_within_ten_minutes_and_only_ones_own(app: App, port: FakePort) -> None:
    await joined(app, port, "1")
    await joined(app, port, "2")
    replies = await say(app, "1", "/update II.8.1 xong")
    undo = next(d for d in data(replies) if d.startswith("undo:"))
    assert "không còn hiệu lực" in text(await say(app, "2", choice=undo))
    late = NOW + timedelta(minutes=11)
    assert "Đã quá thời gian" in text(await say(app, "1", choice=undo, at=late))


async def test_update_rejects_bad_input_and_changes_nothing(app: App, port: FakePort) -> None:
    await joined(app, port)
    assert "không có nhiệm vụ “IX.9”" in text(await say(app, "1", "/update IX.9 xong"))
    assert "100%" in text(await say(app, "1", "/update II.8.1 xong 150%"))
    assert "1000" in text(await say(app, "1", "/update II.8.1 " + "x" * 1200))
    # Another unit's task cannot be updated, even by its code.
    assert "không có nhiệm vụ “II.4.1”" in text(await say(app, "1", "/update II.4.1 xong"))
    assert "chưa gửi cập nhật nào" in text(await say(app, "1", "/history"))


async def test_forged_update_buttons(app: App, port: FakePort) -> None:
    await joined(app, port)
    for forged in ("upd:t:99999", "upd:t:abc", "upd:x:1", "undo:99999", "undo:x"):
        assert "không còn hiệu lực" in text(await say(app, "1", choice=forged))


async def test_cancel_and_expired_step(app: App, port: FakePort) -> None:
    await joined(app, port)
    await say(app, "1", "/update II.8.1")
    assert "Đã huỷ" in text(await say(app, "1", "/cancel"))
    assert "chưa hiểu" in text(await say(app, "1", "xong 80%"))  # no longer captured
    await say(app, "1", "/update II.8.1")
    later = NOW + timedelta(hours=2)  # the question has expired
    assert "Đã lưu" not in text(await say(app, "1", "xong 80%", at=later))


# --- groups -----------------------------------------------------------------------------------


async def test_bind_a_group_and_ask_due_there(app: App, port: FakePort) -> None:
    added = await say(app, ADMIN, chat="-5", group=True, event=ChatEvent.BOT_ADDED)
    assert "/bind" in text(added)
    assert "chưa được gắn" in text(await say(app, "3", "/due", chat="-5", group=True))
    # An ordinary member, or a bot admin who is not a group admin: refused.
    assert "Xin lỗi" in text(await say(app, "3", "/bind Sở Tư pháp", chat="-5", group=True))
    assert "Xin lỗi" in text(await say(app, ADMIN, "/bind Sở Tư pháp", chat="-5", group=True))
    port.chat_admins.add(("-5", ADMIN))
    bound = await say(app, ADMIN, "/bind Sở Tư pháp", chat="-5", group=True)
    assert "gắn với Sở Tư pháp" in text(bound)
    assert "Sở Tư pháp — tháng 8/2023" in text(await say(app, "3", "/due@NhacViecBot",
                                                          chat="-5", group=True))
    # Group chatter is not for the bot; personal commands go private.
    assert await say(app, "3", "phải làm gì", chat="-5", group=True) == []
    assert "tin nhắn riêng" in text(await say(app, "3", "/update", chat="-5", group=True))
    # Migration to a supergroup keeps the binding under the new id.
    await say(app, ADMIN, chat="-5", group=True, event=ChatEvent.MIGRATED,
              migrated_to="-1005")
    assert "Sở Tư pháp — tháng 8/2023" in text(await say(app, "3", "/due", chat="-1005",
                                                          group=True))
    # Removed from the group: the binding's state follows.
    await say(app, ADMIN, chat="-1005", group=True, event=ChatEvent.BOT_REMOVED)
    chat = await app.usecases.groups.chat("chat", "-1005")
    assert chat is not None and not chat.active and chat.unit_id == "so-tp"


async def test_province_wide_group(app: App, port: FakePort) -> None:
    port.chat_admins.add(("-6", ADMIN))
    assert "toàn tỉnh" in text(await say(app, ADMIN, "/bind all", chat="-6", group=True))
    assert "Đơn vị nào?" in text(await say(app, "3", "/due", chat="-6", group=True))
    assert "Cục Thuế tỉnh — tháng 10/2023" in text(
        await say(app, "3", "/due cuc thue 10/2023", chat="-6", group=True))


async def test_group_buttons_follow_the_binding(app: App, port: FakePort) -> None:
    port.chat_admins.add(("-7", ADMIN))
    await say(app, ADMIN, "/bind Sở Tư pháp", chat="-7", group=True)
    ok = await say(app, "3", choice="due:so-tp:2023-09", chat="-7", group=True)
    assert "tháng 9/2023" in text(ok)
    forged = await say(app, "3", choice="due:so-khdt:2023-09", chat="-7", group=True)
    assert "không còn hiệu lực" in text(forged)


async def test_flooding_user_is_slowed_politely(app: App, port: FakePort) -> None:
    await joined(app, port)
    answers = [await say(app, "1", "/help", at=NOW + timedelta(seconds=i)) for i in range(25)]
    warned = [a for a in answers if "rất nhanh" in text(a)]
    assert len(warned) == 1 and answers[-1] == []
    # Someone else is answered as usual at the same moment.
    assert "Nhắc việc" in text(await say(app, "2", "/help", at=NOW + timedelta(seconds=24)))


async def test_leaving_keeps_the_units_updates_under_a_former_member(app: App,
                                                                      port: FakePort) -> None:
    await joined(app, port, "1")
    await joined(app, port, "2")
    await say(app, "1", "/update II.8.1 xong 80%")
    await say(app, "1", "/leave")
    await say(app, "1", choice="leave:yes")
    history = text(await say(app, "2", "/history"))
    assert "một cựu thành viên" in history and "«xong 80%»" in history


# --- reminder settings in chat ------------------------------------------------------------------


async def test_mute_away_and_upcoming_reminders(app: App, port: FakePort) -> None:
    await joined(app, port)
    upcoming = text(await say(app, "1", "/reminders"))
    assert "Lịch nhắc của bạn trong 30 ngày tới" in upcoming
    assert "III.2" in upcoming and "hạn 22/08/2023" in upcoming
    assert "Đã tắt nhắc việc riêng" in text(await say(app, "1", "/mute"))
    assert "Đã tắt" in text(await say(app, "1", "/reminders"))
    assert "Đã bật lại" in text(await say(app, "1", "/unmute"))
    noted = text(await say(app, "1", "/vang 14/8-18/8"))
    assert "từ 14/08/2023 đến 18/08/2023" in noted
    assert "14/08/2023 – 18/08/2023" in text(await say(app, "1", "/vang"))
    assert "không đọc được ngày" in text(await say(app, "1", "/away tomorrow"))
    assert "Đã xoá các ngày vắng" in text(await say(app, "1", "/vang off"))
    member = await app.services.member("chat", "1")
    assert member is not None
    assert await app.usecases.preferences.absences(member, NOW.date()) == []


async def test_admin_schedule_and_calendar_changes(app: App, port: FakePort) -> None:
    await joined(app, port)
    assert "Chỉ quản trị viên" in text(await say(app, "1", "/reminders all"))
    week = text(await say(app, ADMIN, "/reminders all"))
    assert "Lịch nhắc trong 7 ngày tới" in week and "28 đơn vị" in week
    # The 22/08/2023 report (Tue): before-1 Mon 21/08, before-3 Thu 17/08. With Monday
    # 21/08 declared a day off, they move to Fri 18/08 and Wed 16/08.
    upcoming = text(await say(app, "1", "/reminders"))
    assert "• 08:00 21/08/2023 — III.2" in upcoming
    assert "• 08:00 17/08/2023 — III.2" in upcoming
    assert "là ngày nghỉ" in text(await say(app, ADMIN, "/dayoff 21/08/2023 Nghỉ bù"))
    upcoming = text(await say(app, "1", "/reminders"))
    assert "• 08:00 21/08/2023 — III.2" not in upcoming
    assert "• 08:00 18/08/2023 — III.2" in upcoming
    assert "• 08:00 16/08/2023 — III.2" in upcoming
    assert "21/08/2023" in text(await say(app, ADMIN, "/dayoff"))
    assert "trở lại theo lịch" in text(await say(app, ADMIN, "/dayoff xoa 21/08/2023"))
    assert "Chỉ quản trị viên" in text(await say(app, "1", "/dayoff 22/08/2023"))

"""Members, roles and join requests through the neutral conversation layer: what an
admin, a unit lead and an officer may each do, by command and by button, and that
forged or refused presses change nothing."""

from __future__ import annotations

import itertools
from datetime import timedelta

from bot.app import App
from bot.messages import Address
from bot.rich import to_plain
from tests.admin_kit import audit_entries, join_as, member_id, role_of, state
from tests.conversation_kit import ADMIN, NOW, FakePort, data, say, text


async def _lead(app: App, port: FakePort, user: str = "10", name: str = "Lê Văn Trưởng",
                unit: str = "Sở Tư pháp") -> int:
    lead = await join_as(app, port, user, name, unit)
    await say(app, ADMIN, f"/promote #{lead}")
    assert (await role_of(app, user))[0] == "lead"
    return lead


async def test_admin_lists_units_then_a_units_members(app: App, port: FakePort) -> None:
    await join_as(app, port, "1", "Trần Thị Bình")
    await join_as(app, port, "2", "Phạm Văn Cường")
    await join_as(app, port, "3", "Đỗ Thị Dung", "Sở Tài chính")
    overview = await say(app, ADMIN, "/members")
    assert "Tổng cộng 4 thành viên" in text(overview)  # the admin too
    labels = [o.label for r in overview for row in r.options for o in row]
    assert "Sở Tư pháp (2)" in labels and "Sở Tài chính (1)" in labels
    assert "mem:l:so-tp:0" in data(overview)
    listing = await say(app, ADMIN, choice="mem:l:so-tp:0")
    assert "Sở Tư pháp — 2 thành viên" in text(listing)
    assert "• Trần Thị Bình — cán bộ · Chat" in text(listing)
    assert f"mem:{await member_id(app, '1')}" in data(listing)
    # By name, without diacritics, and by the Vietnamese alias.
    assert "Phạm Văn Cường" in text(await say(app, ADMIN, "/thanhvien so tu phap"))
    assert "Quản trị viên — 1 thành viên" in text(await say(app, ADMIN, "/members admin"))
    assert "Không có đơn vị nào khớp" in text(await say(app, ADMIN, "/members Bộ Ngoại giao"))


async def test_members_page_by_page(app: App, port: FakePort) -> None:
    for n in range(12):
        await join_as(app, port, str(n + 1), f"Cán bộ {n + 1:02d}")
    first = await say(app, ADMIN, "/members Sở Tư pháp")
    assert "(1/2)" in text(first) and "mem:l:so-tp:1" in data(first)
    second = await say(app, ADMIN, choice="mem:l:so-tp:1")
    assert "(2/2)" in text(second) and second[0].edit
    assert text(second).count("•") == 2


async def test_promote_and_demote_by_name_and_the_person_is_told(
        app: App, port: FakePort) -> None:
    binh = await join_as(app, port, "1", "Trần Thị Bình")
    replies = await say(app, ADMIN, "/promote tran thi binh")
    assert "Trần Thị Bình hiện là lãnh đạo đơn vị. (Sở Tư pháp)" in text(
        [r for r in replies if r.to is None])
    told = next(r for r in replies if r.to == Address("chat", "1"))
    assert "Bạn đã được chỉ định làm lãnh đạo Sở Tư pháp" in to_plain(told.body)
    assert await role_of(app, "1") == ("lead", "so-tp", True)
    replies = await say(app, ADMIN, f"/capquyen #{binh} quản trị")
    assert "hiện là quản trị viên" in text(replies)
    assert await role_of(app, "1") == ("admin", "so-tp", True)
    replies = await say(app, ADMIN, "/demote Bình")
    assert "Trần Thị Bình hiện là cán bộ" in text(replies)
    told = next(r for r in replies if r.to == Address("chat", "1"))
    assert "Vai trò của bạn hiện là: cán bộ của Sở Tư pháp" in to_plain(told.body)
    assert "đã có vai trò này" in text(await say(app, ADMIN, "/demote Bình"))


async def test_the_member_card_and_its_buttons(app: App, port: FakePort) -> None:
    binh = await join_as(app, port, "1", "Trần Thị Bình")
    card = await say(app, ADMIN, choice=f"mem:{binh}")
    assert "Vai trò: cán bộ" in text(card) and f"#{binh}" in text(card)
    assert set(data(card)) == {f"mem:r:{binh}:lead", f"mem:r:{binh}:admin",
                               f"mem:x:{binh}", "mem:l:so-tp:0"}
    replies = await say(app, ADMIN, choice=f"mem:r:{binh}:lead")
    assert replies[0].edit and "lãnh đạo đơn vị" in text(replies)
    card = await say(app, ADMIN, choice=f"mem:{binh}")
    assert f"mem:r:{binh}:officer" in data(card) and f"mem:r:{binh}:lead" not in data(card)


async def test_ambiguous_and_unknown_members(app: App, port: FakePort) -> None:
    an = await join_as(app, port, "1", "Nguyễn Văn An")
    anh = await join_as(app, port, "2", "Nguyễn Văn Anh", "Sở Tài chính")
    replies = await say(app, ADMIN, "/promote nguyen van")
    assert "Bạn muốn chọn thành viên nào?" in text(replies)
    assert set(data(replies)) == {f"mem:r:{an}:lead", f"mem:r:{anh}:lead"}
    labels = [o.label for r in replies for row in r.options for o in row]
    assert "Nguyễn Văn Anh · Sở Tài chính" in labels
    # An exact name wins over the longer one it is part of.
    assert "Nguyễn Văn An hiện là" in text(await say(app, ADMIN, "/promote Nguyễn Văn An"))
    assert "Không có thành viên nào khớp" in text(await say(app, ADMIN, "/promote Lý Thị Z"))
    assert "Không có thành viên nào khớp" in text(await say(app, ADMIN, "/demote #9999"))
    assert "Gửi /promote" in text(await say(app, ADMIN, "/promote"))
    assert "Gửi /remove" in text(await say(app, ADMIN, "/remove"))
    huge = "x" * 3000
    assert "Không có thành viên nào khớp" in text(await say(app, ADMIN, f"/remove {huge}"))


async def test_removal_asks_first_and_keeps_the_updates(app: App, port: FakePort) -> None:
    binh = await join_as(app, port, "1", "Trần Thị Bình")
    await join_as(app, port, "2", "Phạm Văn Cường")
    await say(app, "1", "/update II.8.1 xong 80%, đã trình UBND")
    ask = await say(app, ADMIN, "/remove Bình")
    assert "Đưa Trần Thị Bình ra khỏi Sở Tư pháp?" in text(ask)
    assert data(ask) == [f"mem:xy:{binh}", "mem:n"]
    assert "Không có gì thay đổi" in text(await say(app, ADMIN, choice="mem:n"))
    assert (await role_of(app, "1"))[2] is True
    replies = await say(app, ADMIN, choice=f"mem:xy:{binh}")
    assert "Đã đưa Trần Thị Bình ra khỏi Sở Tư pháp" in text([r for r in replies if not r.to])
    told = next(r for r in replies if r.to == Address("chat", "1"))
    assert "Bạn đã được đưa ra khỏi Sở Tư pháp" in to_plain(told.body)
    assert await role_of(app, "1") == ("officer", None, False)
    # The removed person sees nothing; the unit keeps the update and its author.
    assert "chưa đăng ký" in text(await say(app, "1", "/due"))
    history = text(await say(app, "2", "/history"))
    assert "II.8.1" in history and "Trần Thị Bình" in history
    assert "không còn hoạt động" in text(await say(app, ADMIN, choice=f"mem:xy:{binh}"))


async def test_officers_may_do_nothing_and_forged_buttons_change_nothing(
        app: App, port: FakePort) -> None:
    binh = await join_as(app, port, "1", "Trần Thị Bình")
    cuong = await join_as(app, port, "2", "Phạm Văn Cường")
    admin = await member_id(app, ADMIN)
    await say(app, "9", "/start")
    await say(app, "9", "so tu phap")
    request = next(d for d in data(await say(app, "9", choice="join:so-tp"))
                   if d.startswith("jr:a:"))
    before = await state(app)
    audited = len(await audit_entries(app))
    commands = ["/members", "/members Sở Tư pháp", "/promote Phạm Văn Cường",
                f"/promote #{binh} admin", "/demote #1", "/remove Phạm Văn Cường",
                "/requests", "/audit", "/units add Sở Ngoại vụ",
                "/units merge Sở Tư pháp => Sở Tài chính", "/units deactivate Sở Tư pháp",
                "/units rename Sở Tư pháp => Sở Pháp chế", "/invite Sở Tư pháp",
                "/dayoff 11/02/2027"]
    # A minute apart: the flood guard must not be what refuses them.
    moments = (NOW + timedelta(minutes=n) for n in itertools.count())
    for command in commands:
        replies = await say(app, "1", command, at=next(moments))
        assert "Chỉ quản trị viên" in text(replies), command
    buttons = [f"mem:{cuong}", "mem:l:so-tp:0", f"mem:r:{binh}:admin",
               f"mem:r:{admin}:officer", f"mem:x:{cuong}", f"mem:xy:{cuong}",
               f"mem:xy:{admin}", "mem:zz", "unit:mg:so-tp:so-tc", "unit:off:so-tp",
               "unit:no", request, request.replace(":a:", ":r:")]
    for button in buttons:
        replies = await say(app, "1", choice=button, at=next(moments))
        assert "Chỉ quản trị viên" in text(replies), button
    assert await state(app) == before
    denied = (await audit_entries(app))[audited:]
    assert len(denied) == len(commands) + len(buttons)
    assert {outcome for _, _, _, outcome in denied} == {"denied"}
    assert {actor for actor, _, _, _ in denied} == {"chat:1"}
    # A stranger, never registered, neither.
    assert "Chỉ quản trị viên" in text(await say(app, "77", choice=f"mem:xy:{binh}"))
    assert await state(app) == before


async def test_a_lead_sees_and_removes_own_officers_only(app: App, port: FakePort) -> None:
    lead = await _lead(app, port)
    binh = await join_as(app, port, "1", "Trần Thị Bình")
    other_lead = await join_as(app, port, "2", "Hồ Văn Phó")
    await say(app, ADMIN, f"/promote #{other_lead}")
    dung = await join_as(app, port, "3", "Đỗ Thị Dung", "Sở Tài chính")
    listing = await say(app, "10", "/members")
    assert "Sở Tư pháp — 3 thành viên" in text(listing)
    assert "Lãnh đạo đơn vị: /requests" in text(await say(app, "10", "/help"))
    assert "chính đơn vị mình" in text(await say(app, "10", "/members Sở Tài chính"))
    assert "Chỉ quản trị viên" in text(await say(app, "10", choice="mem:l:so-tc:0"))
    card = await say(app, "10", choice=f"mem:{binh}")
    assert data(card) == [f"mem:x:{binh}", "mem:l:so-tp:0"]  # no role buttons
    assert f"mem:x:{other_lead}" not in data(await say(app, "10", choice=f"mem:{other_lead}"))
    assert "Chỉ quản trị viên" in text(await say(app, "10", choice=f"mem:{dung}"))
    before = await state(app)
    assert "Chỉ quản trị viên" in text(await say(app, "10", "/promote Bình"))
    assert "Chỉ quản trị viên" in text(await say(app, "10", choice=f"mem:r:{binh}:lead"))
    assert "Không có thành viên nào khớp" in text(await say(app, "10", "/remove Đỗ Thị Dung"))
    assert "chính đơn vị mình" in text(await say(app, "10", choice=f"mem:xy:{dung}"))
    assert "chính đơn vị mình" in text(await say(app, "10", choice=f"mem:xy:{other_lead}"))
    assert "chính đơn vị mình" in text(await say(app, "10", choice=f"mem:x:{lead}"))
    assert await state(app) == before
    replies = await say(app, "10", "/xoathanhvien Bình")
    assert data(replies) == [f"mem:xy:{binh}", "mem:n"]
    replies = await say(app, "10", choice=f"mem:xy:{binh}")
    assert "Đã đưa Trần Thị Bình ra khỏi Sở Tư pháp" in text(replies)
    assert any(r.to == Address("chat", "1") for r in replies)
    assert (await role_of(app, "1"))[2] is False


async def test_the_last_admin_cannot_go(app: App, port: FakePort) -> None:
    admin = await member_id(app, ADMIN)
    before = await state(app)
    for replies in (await say(app, ADMIN, f"/demote #{admin}"),
                    await say(app, ADMIN, choice=f"mem:r:{admin}:lead"),
                    await say(app, ADMIN, f"/remove #{admin}"),
                    await say(app, ADMIN, choice=f"mem:xy:{admin}")):
        assert "là quản trị viên cuối cùng" in text(replies)
    assert await state(app) == before
    card = await say(app, ADMIN, choice=f"mem:{admin}")
    assert data(card) == ["mem:l:-:0"]  # nothing to offer on the last admin
    binh = await join_as(app, port, "1", "Trần Thị Bình")
    await say(app, ADMIN, f"/promote #{binh} admin")
    # Two admins: one may step down, then the other is the last.
    assert "hiện là cán bộ" in text(await say(app, ADMIN, f"/demote #{admin}"))
    assert "là quản trị viên cuối cùng" in text(await say(app, "1", f"/remove #{binh}"))
    assert "là quản trị viên cuối cùng" in text(await say(app, "1", choice=f"mem:xy:{binh}"))
    assert await role_of(app, "1") == ("admin", "so-tp", True)
    outcomes = [(action, outcome) for _, action, _, outcome in await audit_entries(app)]
    assert ("member.demote", "denied") in outcomes and ("member.remove", "denied") in outcomes


async def test_requests_reach_the_units_leads_who_may_decide_them(
        app: App, port: FakePort) -> None:
    await _lead(app, port)
    await say(app, "1", "/start")
    await say(app, "1", "so tu phap")
    replies = await say(app, "1", choice="join:so-tp")
    cards = {r.to for r in replies if r.to}
    assert cards == {Address("chat", ADMIN), Address("chat", "10")}
    to_tp = next(d for d in data(replies) if d.startswith("jr:a:"))
    await say(app, "2", "/start")
    await say(app, "2", "cuc thue")
    replies = await say(app, "2", choice="join:cuc-thue")
    assert {r.to for r in replies if r.to} == {Address("chat", ADMIN)}
    to_tax = next(d for d in data(replies) if d.startswith("jr:a:"))
    # The lead's list: their unit's request only; the admin's: both.
    listed = await say(app, "10", "/yeucau")
    assert "Có 1 yêu cầu tham gia đang chờ" in text(listed) and data(listed) == [
        to_tp, to_tp.replace(":a:", ":r:")]
    assert "Có 2 yêu cầu" in text(await say(app, ADMIN, "/requests"))
    before = await state(app)
    assert "Chỉ quản trị viên" in text(await say(app, "10", choice=to_tax))
    assert await state(app) == before
    decided = await say(app, "10", choice=to_tp)
    assert "Đã chấp thuận" in text([r for r in decided if r.to is None])
    assert await role_of(app, "1") == ("officer", "so-tp", True)
    assert "Có 1 yêu cầu" in text(await say(app, ADMIN, "/requests"))
    assert "Không có yêu cầu" in text(await say(app, "10", "/requests"))
    assert ("chat:10", "join.approve") in [(a, b) for a, b, _, _ in await audit_entries(app)]


async def test_admin_commands_stay_out_of_groups(app: App, port: FakePort) -> None:
    for command in ("/members", "/promote x", "/remove x", "/requests", "/audit",
                    "/units add Sở Ngoại vụ"):
        replies = await say(app, ADMIN, command, chat="-500", group=True)
        assert "tin nhắn riêng" in text(replies), command
    assert "Sở Tư pháp" in text(await say(app, ADMIN, "/units", chat="-500", group=True))

"""/link, /unlink and /kenh through the conversation layer: one person on two
platforms ("chat", the test's first channel, and "zalo"), reminded and told once."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.app import App
from bot.audience import Audience, AudienceKind
from storage import members as member_store
from storage.models import Member, OutboxMessage
from tests.conversation_kit import HANOI, NOW, FakePort, invite_code, joined, say, text

ZALO = "zalo"


async def link_code(app: App, user: str = "1") -> str:
    replies = text(await say(app, user, "/link"))
    assert "Mã liên kết của bạn" in replies and "trong 10 phút" in replies
    found = re.search(r"\b(\d{6})\b", replies)
    assert found is not None
    return found.group(1)


async def accounts(app: App) -> dict[tuple[str, str], Member]:
    async with app.sessions() as session:
        rows = await session.scalars(select(Member))
        return {(m.channel, m.channel_user_id): m for m in rows}


async def broadcast_chats(app: App) -> list[tuple[str, str]]:
    found = await app.usecases.broadcasts.recipients(Audience(AudienceKind.UNITS, ("so-tp",)))
    return sorted((r.channel, r.chat_id) for r in found)


async def reminded_chats(app: App, when: datetime) -> list[tuple[str, str]]:
    """The private chats a reminder tick at ``when`` queued messages for."""
    await app.usecases.reminders.tick(when)
    async with app.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.channel, OutboxMessage.chat_id)
            .where(OutboxMessage.kind == "reminder",
                   OutboxMessage.recipient_member_id.is_not(None)))
        return sorted((channel, chat_id) for channel, chat_id in rows)


async def test_a_zalo_account_joins_by_the_code_and_is_told_once(app: App,
                                                                 port: FakePort) -> None:
    await joined(app, port, "1")
    code = await link_code(app)
    replies = text(await say(app, "z1", f"/link {code}", channel=ZALO, chat="zchat-1"))
    assert "Bạn đã là thành viên của Sở Tư pháp." in replies
    assert "Đã liên kết" in replies and "chỉ gửi qua chat" in replies
    # The Zalo account is a member of the same unit, with the same role and language.
    assert "Sở Tư pháp — tháng 8/2023" in text(await say(app, "z1", "/due", channel=ZALO))
    rows = await accounts(app)
    first, second = rows["chat", "1"], rows[ZALO, "z1"]
    assert (second.unit_id, second.role, second.chat_id) == ("so-tp", first.role, "zchat-1")
    assert first.person_id == second.person_id == first.id
    assert first.push_channel == second.push_channel == "chat"
    # Once, on the channel that showed the code: broadcasts and reminders.
    assert await broadcast_chats(app) == [("chat", "1")]
    before_one = datetime(2023, 8, 21, 9, 0, tzinfo=HANOI)  # the 22nd's report, 1 day before
    assert await reminded_chats(app, before_one) == [("chat", "1")]
    # Used once.
    again = text(await say(app, "z2", f"/link {code}", channel=ZALO))
    assert "không hợp lệ" in again
    assert (ZALO, "z2") not in await accounts(app)


async def test_kenh_chooses_where_pushes_go(app: App, port: FakePort) -> None:
    assert "chưa đăng ký" in text(await say(app, "1", "/kenh"))  # not registered yet…
    await joined(app, port, "1")
    assert "chưa liên kết" in text(await say(app, "1", "/kenh zalo"))  # …nor linked
    await say(app, "z1", f"/link {await link_code(app)}", channel=ZALO)
    shown = text(await say(app, "z1", "/kenh", channel=ZALO))
    assert "gửi qua: chat" in shown
    assert "• chat — Nguyễn Văn A" in shown and "• Zalo — Nguyễn Văn A (tài khoản này)" in shown
    assert "Từ nay nhắc việc và thông báo gửi qua Zalo." in text(
        await say(app, "1", "/kenh zalo"))
    assert await broadcast_chats(app) == [(ZALO, "z1")]
    before_one = datetime(2023, 8, 21, 9, 0, tzinfo=HANOI)
    assert await reminded_chats(app, before_one) == [(ZALO, "z1")]
    assert "mọi tài khoản của bạn" in text(await say(app, "z1", "/channel both", channel=ZALO))
    assert await broadcast_chats(app) == [("chat", "1"), (ZALO, "z1")]
    assert "Zalo" in text(await say(app, "1", "/kenh Zalo"))
    assert "không có tài khoản liên kết" in text(await say(app, "1", "/kenh telegram"))
    assert await broadcast_chats(app) == [(ZALO, "z1")]  # unchanged
    assert "mọi tài khoản" in text(await say(app, "1", "/kenh cả hai"))


async def test_the_push_account_blocked_the_bot_then_the_other_gets_them(
        app: App, port: FakePort) -> None:
    await joined(app, port, "1")
    await say(app, "z1", f"/link {await link_code(app)}", channel=ZALO)
    rows = await accounts(app)
    async with app.sessions.begin() as session:
        # What the outbox does when the platform refuses a delivery.
        await member_store.set_member_active(session, rows["chat", "1"].id, False)
    assert await broadcast_chats(app) == [(ZALO, "z1")]


async def test_refusals_change_nothing(app: App, port: FakePort) -> None:
    await joined(app, port, "1")
    code = await link_code(app)
    before = await accounts(app)
    # Expired, wrong, not a code at all, same platform, in a group.
    later = NOW + timedelta(minutes=11)
    assert "không hợp lệ" in text(await say(app, "z1", f"/link {code}", channel=ZALO,
                                            at=later))
    wrong = "000000" if code != "000000" else "111111"
    assert "không hợp lệ" in text(await say(app, "z1", f"/link {wrong}", channel=ZALO))
    assert "6 chữ số" in text(await say(app, "z1", "/link abc", channel=ZALO))
    await joined(app, port, "2")
    assert "chính nền tảng này" in text(await say(app, "2", f"/link {code}"))
    assert "tin nhắn riêng" in text(await say(app, "z1", f"/link {code}", channel=ZALO,
                                              group=True, chat="zgroup"))
    assert "tin nhắn riêng" in text(await say(app, "1", "/link", group=True, chat="g"))
    after = await accounts(app)
    assert (ZALO, "z1") not in after
    assert {k: (m.person_id, m.push_channel) for k, m in after.items()} == {
        k: (None, None) for k in after}
    assert set(after) == set(before) | {("chat", "2")}
    assert "chưa đăng ký" in text(await say(app, "z1", "/due", channel=ZALO))
    # None of that used the code up.
    assert "Đã liên kết" in text(await say(app, "z1", f"/link {code}", channel=ZALO))


async def test_a_new_code_replaces_the_old_one(app: App, port: FakePort) -> None:
    await joined(app, port, "1")
    first = await link_code(app)
    second = await link_code(app)
    if first != second:
        assert "không hợp lệ" in text(await say(app, "z1", f"/link {first}", channel=ZALO))
    assert "Đã liên kết" in text(await say(app, "z1", f"/link {second}", channel=ZALO))


async def test_members_of_other_units_and_former_members(app: App, port: FakePort) -> None:
    await joined(app, port, "1")
    # A Zalo member of another unit may not link to a member of Sở Tư pháp.
    other = await invite_code(app, port, "Sở Tài chính")
    await say(app, "z1", f"/start {other}", channel=ZALO)
    code = await link_code(app)
    assert "cùng một đơn vị" in text(await say(app, "z1", f"/link {code}", channel=ZALO))
    # A member of the same unit on Zalo links without joining again.
    same = await invite_code(app, port)
    await say(app, "z2", f"/start {same}", channel=ZALO)
    replies = text(await say(app, "z2", f"/link {code}", channel=ZALO))
    assert "Đã liên kết" in replies and "Bạn đã là thành viên" not in replies
    assert "đã được liên kết" in text(
        await say(app, "z2", f"/link {await link_code(app)}", channel=ZALO))
    # The code of someone since removed by an admin is refused.
    await joined(app, port, "3")
    code = await link_code(app, "3")
    rows = await accounts(app)
    async with app.sessions.begin() as session:
        await member_store.remove_member(session, rows["chat", "3"].id, at=NOW)
    assert "không còn là thành viên" in text(
        await say(app, "z3", f"/link {code}", channel=ZALO))
    assert (ZALO, "z3") not in await accounts(app)
    # Nobody without a unit gets a code.
    assert "chưa đăng ký" in text(await say(app, "z9", "/link", channel=ZALO))


async def test_unlink(app: App, port: FakePort) -> None:
    await joined(app, port, "1")
    assert "chưa liên kết" in text(await say(app, "1", "/unlink"))
    await say(app, "z1", f"/link {await link_code(app)}", channel=ZALO)
    assert "Đã huỷ liên kết" in text(await say(app, "z1", "/huylienket", channel=ZALO))
    rows = await accounts(app)
    assert {(m.person_id, m.push_channel) for m in rows.values()} == {(None, None)}
    # Still a member, on its own: both accounts get their own pushes again.
    assert "Sở Tư pháp — tháng 8/2023" in text(await say(app, "z1", "/due", channel=ZALO))
    assert await broadcast_chats(app) == [("chat", "1"), (ZALO, "z1")]
    assert "chưa liên kết" in text(await say(app, "1", "/kenh"))


async def test_help_lists_the_commands(app: App, port: FakePort) -> None:
    assert "/link — liên kết tài khoản Telegram và Zalo" in text(await say(app, "1", "/help"))


async def test_links_and_refusals_are_in_the_audit_log(app: App, port: FakePort) -> None:
    await joined(app, port, "1")
    code = await link_code(app)
    await say(app, "z1", "/link 000000", channel=ZALO)  # a wrong code: refused
    await say(app, "z1", f"/link {code}", channel=ZALO)
    await say(app, "z1", "/unlink", channel=ZALO)
    entries = [(r.actor, r.action, r.outcome) for r in await app.usecases.audit.recent()]
    assert entries[:3] == [("zalo:z1", "member.unlink", "ok"), ("zalo:z1", "member.link", "ok"),
                           ("zalo:z1", "member.link", "denied")]

"""End to end on Telegram: the real python-telegram-bot, our aiohttp webhook server,
the database, and a local fake Bot API recording every call. No network."""

from __future__ import annotations

import argparse
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.channels.telegram.sender import TelegramSender
from bot.cli.telegram import invite as _invite
from bot.cli.telegram import webhook as _webhook
from bot.messages import Reply
from bot.rich import plain
from bot.units import Directory, Unit, UnitKind
from storage.members import get_member
from storage.progress import recent_updates
from storage.units import save_directory
from tests.fakes.telegram_updates import (
    message_update,
    migrate_update,
    my_chat_member_update,
)
from tests.telegram_harness import (
    ADMIN_ID,
    SECRET,
    Harness,
    invite,
    join,
    last_message_id,
    press,
    say,
    telegram_bot,
)

OFFICER, OTHER, GROUP = 201, 202, -4001


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[Harness]:
    async with telegram_bot(tmp_path) as harness:
        yield harness


# --- start-up ------------------------------------------------------------------------------


async def test_start_up_registers_webhook_and_menus(tg: Harness) -> None:
    hook = tg.api.webhook
    assert hook["url"] == "https://bot.example.gov.vn/telegram/webhook"
    assert hook["secret_token"] == SECRET
    assert set(hook["allowed_updates"]) == {"message", "callback_query", "my_chat_member"}
    default = [c["command"] for c in tg.api.commands()]
    assert default[:2] == ["due", "update"] and "invite" not in default
    assert tg.api.commands()[0]["description"] == "Việc đơn vị phải làm trong tháng này"
    english = tg.api.commands(language_code="en")
    assert english[0]["description"] == "What my unit is due for this month"
    admin_scope = {"type": "chat", "chat_id": ADMIN_ID}
    assert "invite" in [c["command"] for c in tg.api.commands(admin_scope)]


async def test_healthz(tg: Harness) -> None:
    async with aiohttp.ClientSession() as session, \
            session.get(tg.service.http.url + "/healthz") as response:
        assert response.status == 200
        body = await response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert "telegram" in body["channels"]


# --- the webhook endpoint -------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "wrong", "", SECRET + "x"])
async def test_wrong_or_missing_secret_is_refused(tg: Harness, secret: str | None) -> None:
    status = await tg.post(message_update("/due", user_id=OFFICER), secret=secret)
    assert status == 403
    assert tg.app.services is not None and tg.api.sent_messages(OFFICER) == []


@pytest.mark.parametrize("body", [b"{not json", b"[]", b"42", b'"text"', b'{"message": 5}'])
async def test_malformed_updates_get_400(tg: Harness, body: bytes) -> None:
    assert await tg.post({}, raw=body) == 400


async def test_huge_body_is_refused(tg: Harness) -> None:
    assert await tg.post({}, raw=b"{" + b" " * (2 * 1024 * 1024) + b"}") == 413


# --- onboarding ----------------------------------------------------------------------------


async def test_join_by_invite_link(tg: Harness) -> None:
    await join(tg, OFFICER)
    await say(tg, OFFICER, "/due")
    text = await tg.text_to(OFFICER, 2)
    assert "<b>Sở Tư pháp — tháng 8/2023</b>" in text
    assert "trước ngày 05/08/2023 (Thứ Bảy)" in text


async def test_join_by_request_approval_and_rejection(tg: Harness) -> None:
    await say(tg, OFFICER, "/start", first_name="Lan")
    assert "đơn vị nào" in await tg.text_to(OFFICER)
    await say(tg, OFFICER, "so tu phap")
    await tg.sent(OFFICER, 2)
    assert ("Sở Tư pháp", "join:so-tp") in tg.last_buttons(OFFICER)
    await press(tg, OFFICER, "join:so-tp", message_id=last_message_id(tg, OFFICER),
                first_name="Lan")
    assert "đã được gửi tới quản trị viên" in await tg.edited()
    card = await tg.text_to(ADMIN_ID)
    assert "Lan xin tham gia Sở Tư pháp" in card
    approve = next(d for _, d in tg.last_buttons(ADMIN_ID) if d.startswith("jr:a:"))
    await press(tg, ADMIN_ID, approve, message_id=last_message_id(tg, ADMIN_ID))
    assert "Đã chấp thuận" in await tg.edited(2)
    assert "Bạn đã là thành viên của Sở Tư pháp" in await tg.text_to(OFFICER, 3)
    # Every button press was answered, so no phone keeps spinning.
    assert len(tg.api.calls_to("answerCallbackQuery")) == 2

    await say(tg, OTHER, "/start")
    await say(tg, OTHER, "cuc thue")
    await tg.sent(OTHER, 2)
    await press(tg, OTHER, "join:cuc-thue", message_id=last_message_id(tg, OTHER))
    await tg.sent(ADMIN_ID, 2)
    reject = next(d for _, d in tg.last_buttons(ADMIN_ID) if d.startswith("jr:r:"))
    await press(tg, ADMIN_ID, reject, message_id=last_message_id(tg, ADMIN_ID))
    assert "không được chấp thuận" in await tg.text_to(OTHER, 3)
    await say(tg, OTHER, "/due")
    assert "chưa đăng ký" in await tg.text_to(OTHER, 4)


# --- /due, privately and in groups -----------------------------------------------------------


async def test_due_with_month_buttons_editing_in_place(tg: Harness) -> None:
    await join(tg, OFFICER)
    await say(tg, OFFICER, "thang 8 phai nop gi")
    await tg.sent(OFFICER, 2)
    buttons = tg.last_buttons(OFFICER)
    assert buttons == [("‹ tháng trước", "due:so-tp:2023-07"),
                       ("tháng sau ›", "due:so-tp:2023-09")]
    message_id = last_message_id(tg, OFFICER)
    await press(tg, OFFICER, "due:so-tp:2023-09", message_id=message_id)
    edited = await tg.edited()
    assert "tháng 9/2023" in edited
    edit_call = tg.api.calls_to("editMessageText")[0]
    assert int(edit_call.params["message_id"]) == message_id


async def test_forged_callback_data_changes_nothing(tg: Harness) -> None:
    await join(tg, OFFICER)
    await join(tg, OTHER, "Sở Kế hoạch và Đầu tư")
    for count, forged in enumerate(["due:so-khdt:2023-09", "jr:a:1", "undo:1", "upd:t:1",
                                    "x" * 64, "due:so-tp:9999-99"], start=2):
        await press(tg, OFFICER, forged, message_id=1)
        text = await tg.text_to(OFFICER, count)
        assert "không còn hiệu lực" in text or "Chỉ quản trị viên" in text
    assert tg.api.calls_to("editMessageText") == []


async def test_other_units_tasks_are_private(tg: Harness) -> None:
    await join(tg, OFFICER)
    await join(tg, OTHER, "Sở Kế hoạch và Đầu tư")
    await say(tg, OFFICER, "/due Sở Kế hoạch và Đầu tư")
    assert "chỉ xem được nhiệm vụ của đơn vị mình" in await tg.text_to(OFFICER, 2)
    await say(tg, OFFICER, "/update II.4.1 xong")  # a task of Sở KH&ĐT
    assert "không có nhiệm vụ" in await tg.text_to(OFFICER, 3)
    await say(tg, OTHER, "/history")
    assert "chưa gửi cập nhật nào" in await tg.text_to(OTHER, 2)


async def test_group_binding_due_and_migration(tg: Harness) -> None:
    added = my_chat_member_update(chat_id=GROUP, title="Sở Tư pháp — nhắc việc",
                                  by_user_id=ADMIN_ID, old_status="left", new_status="member")
    assert await tg.post(added) == 200
    assert "/bind" in await tg.text_to(GROUP)
    await say(tg, OFFICER, "/bind@NhacViecBot Sở Tư pháp", chat_id=GROUP, chat_type="group",
              chat_title="Nhóm")
    assert "Xin lỗi" in await tg.text_to(GROUP, 2)
    tg.api.set_chat_admins(GROUP, [ADMIN_ID])
    await say(tg, ADMIN_ID, "/bind@NhacViecBot Sở Tư pháp", chat_id=GROUP,
              chat_type="group", chat_title="Nhóm")
    assert "gắn với Sở Tư pháp" in await tg.text_to(GROUP, 3)
    await say(tg, OFFICER, "/due@NhacViecBot", chat_id=GROUP, chat_type="group",
              chat_title="Nhóm")
    assert "Sở Tư pháp — tháng 8/2023" in await tg.text_to(GROUP, 4)
    # Telegram says the group became a supergroup: the binding moves with it.
    assert await tg.post(migrate_update(GROUP, -1009001)) == 200
    await tg.settled()  # updates are handled concurrently: let the migration land first
    await say(tg, OFFICER, "/due", chat_id=-1009001, chat_type="supergroup",
              chat_title="Nhóm")
    assert "Sở Tư pháp — tháng 8/2023" in await tg.text_to(-1009001)


async def test_migration_discovered_when_sending(tg: Harness) -> None:
    tg.api.set_chat_admins(GROUP, [ADMIN_ID])
    await say(tg, ADMIN_ID, "/bind Sở Tư pháp", chat_id=GROUP, chat_type="group",
              chat_title="Nhóm")
    await tg.text_to(GROUP)
    tg.api.fail_next("sendMessage", "migrate", chat_id=GROUP, migrate_to_chat_id=-1009002)
    await say(tg, OFFICER, "/due", chat_id=GROUP, chat_type="group", chat_title="Nhóm")
    assert "Sở Tư pháp — tháng 8/2023" in await tg.text_to(-1009002)
    chat = await tg.app.usecases.groups.chat("telegram", "-1009002")
    assert chat is not None and chat.unit_id == "so-tp" and chat.active


# --- progress updates ------------------------------------------------------------------------


async def test_update_by_buttons_undo_and_history(tg: Harness) -> None:
    await join(tg, OFFICER)
    await say(tg, OFFICER, "/capnhat")
    await tg.sent(OFFICER, 2)
    first = tg.last_buttons(OFFICER)[0]
    assert first[0].startswith("III.2 · 22/08") and first[1].startswith("upd:t:")
    await press(tg, OFFICER, first[1], message_id=last_message_id(tg, OFFICER))
    assert "Kỳ báo cáo: 22/08/2023" in await tg.edited()
    await say(tg, OFFICER, "Đã gửi <b>báo cáo</b> & phụ lục, 100%")
    confirmation = await tg.text_to(OFFICER, 3)
    assert "&lt;b&gt;báo cáo&lt;/b&gt; &amp; phụ lục" in confirmation  # escaped, not markup
    assert "kỳ 22/08/2023 · hoàn thành · 100%" in confirmation
    undo = tg.last_buttons(OFFICER)[0][1]
    tg.clock.advance(timedelta(minutes=5))
    await press(tg, OFFICER, undo, message_id=last_message_id(tg, OFFICER))
    assert "Đã gỡ" in await tg.edited(2)
    await say(tg, OFFICER, "/update II.8.1 xong 80%, đã trình UBND")
    assert "II.8.1" in await tg.text_to(OFFICER, 4)
    stored = tg.api.calls_to("sendMessage")[-1]
    assert "undo:" in str(stored.params["reply_markup"])
    await say(tg, OFFICER, "/history")
    history = await tg.text_to(OFFICER, 5)
    assert "II.8.1" in history and "báo cáo" not in history  # the undone one is gone


async def test_updates_store_the_telegram_message_id(tg: Harness) -> None:
    await join(tg, OFFICER)
    update = message_update("/update II.8.1 xong", user_id=OFFICER, message_id=777)
    assert await tg.post(update) == 200
    await tg.sent(OFFICER, 2)
    entries = await tg.app.usecases.progress.history("so-tp")
    assert len(entries) == 1
    async with tg.app.sessions() as session:
        (row,) = await recent_updates(session, "so-tp", 1)
    assert row.channel_message_id == "777" and row.member_id is not None


# --- Telegram craft: escaping, splitting, errors -------------------------------------------


async def test_html_in_names_is_escaped(tg: Harness) -> None:
    name = "<script>Lan & Co</script>"
    await say(tg, OFFICER, "/start", first_name=name)
    await say(tg, OFFICER, "so tu phap", first_name=name)
    await tg.sent(OFFICER, 2)
    await press(tg, OFFICER, "join:so-tp", message_id=last_message_id(tg, OFFICER),
                first_name=name)
    card = await tg.text_to(ADMIN_ID)
    assert "&lt;script&gt;Lan &amp; Co&lt;/script&gt;" in card


async def test_long_replies_are_split_on_lines_or_sent_as_a_file(tg: Harness) -> None:
    sender = TelegramSender(tg.service.telegram.application.bot)  # type: ignore[union-attr]
    line = "Dòng <dài> & đủ để chia tin nhắn " * 4
    body = plain("\n".join(f"{i}. {line}" for i in range(60)))  # ~9,000 characters
    await sender.send(str(OFFICER), Reply(body))
    texts = [m["text"] for m in tg.api.sent_messages(OFFICER)]
    assert len(texts) == 3 and all(len(t) <= 4096 for t in texts)
    assert all(t.endswith("đủ để chia tin nhắn ") or t.endswith("nhắn") for t in texts[:-1])
    huge = plain("\n".join(f"{i}. {line}" for i in range(200)))
    await sender.send(str(OTHER), Reply(huge))
    assert len(tg.api.sent_messages(OTHER)) == 1
    (document,) = tg.api.calls_to("sendDocument")
    assert document.params["document"].size > 20_000


async def test_429_then_success(tg: Harness) -> None:
    await join(tg, OFFICER)
    tg.api.fail_next("sendMessage", "retry_after", chat_id=OFFICER, retry_after=3)
    await say(tg, OFFICER, "/due")
    assert "Sở Tư pháp" in await tg.text_to(OFFICER, 2)
    assert 3.0 in tg.sleeps


async def test_server_errors_and_timeouts_are_retried(tg: Harness) -> None:
    await join(tg, OFFICER)
    tg.api.fail_next("sendMessage", "server_error", times=2, chat_id=OFFICER)
    await say(tg, OFFICER, "/help")
    assert "Nhắc việc" in await tg.text_to(OFFICER, 2)
    assert tg.sleeps[:2] == [0.5, 1.0]  # backoff doubles


async def test_forbidden_marks_the_member_inactive(tg: Harness) -> None:
    await join(tg, OFFICER)
    tg.api.fail_next("sendMessage", "forbidden", chat_id=OFFICER)
    await say(tg, OFFICER, "/due")
    await tg.settled()
    assert [c.status for c in tg.api.calls_to("sendMessage")][-1] == 403
    async with tg.app.sessions() as session:
        row = await get_member(session, "telegram", str(OFFICER))
    assert row is not None and not row.active


async def test_blocking_the_bot_marks_inactive(tg: Harness) -> None:
    await join(tg, OFFICER)
    blocked = my_chat_member_update(chat_id=OFFICER, chat_type="private", title="",
                                    by_user_id=OFFICER, old_status="member",
                                    new_status="kicked")
    assert await tg.post(blocked) == 200
    await tg.settled()
    async with tg.app.sessions() as session:
        row = await get_member(session, "telegram", str(OFFICER))
    assert row is not None and not row.active
    # Unblocking (Telegram says so) and writing again: reachable again.
    unblocked = my_chat_member_update(chat_id=OFFICER, chat_type="private", title="",
                                      by_user_id=OFFICER, old_status="kicked",
                                      new_status="member")
    assert await tg.post(unblocked) == 200
    await say(tg, OFFICER, "/help")
    await tg.settled()
    async with tg.app.sessions() as session:
        row = await get_member(session, "telegram", str(OFFICER))
    assert row is not None and row.active


async def test_flooding_user_is_slowed_and_others_answered(tg: Harness) -> None:
    await join(tg, OFFICER)
    for i in range(25):
        tg.clock.advance(timedelta(seconds=1))
        await say(tg, OFFICER, f"/help {i}")
    await say(tg, OTHER, "/help")
    assert "Nhắc việc" in await tg.text_to(OTHER)
    await tg.api.wait_for("sendMessage", predicate=lambda c: "rất nhanh" in str(
        c.params.get("text")))
    warnings = [m for m in tg.api.sent_messages(OFFICER) if "rất nhanh" in m["text"]]
    assert len(warnings) == 1


# --- shell commands against the fake Bot API ------------------------------------------------


async def test_shell_invite_prints_the_deep_link(tg: Harness,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    await _invite(tg.app, argparse.Namespace(unit="so tu phap", uses=3, expires="2d"))
    out = capsys.readouterr().out
    code = re.search(r"Code:\s+(\S+)", out)
    assert code and f"https://t.me/NhacViecBot?start={code.group(1)}" in out
    assert "Uses:    3" in out


async def test_shell_webhook_commands(tg: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    await _webhook(tg.app.settings, "delete")
    assert tg.api.webhook.get("url", "") == ""
    await _webhook(tg.app.settings, "set")
    assert tg.api.webhook["url"] == "https://bot.example.gov.vn/telegram/webhook"
    await _webhook(tg.app.settings, "info")
    assert '"url": "https://bot.example.gov.vn/telegram/webhook"' in capsys.readouterr().out


# --- polling -----------------------------------------------------------------------------------


async def test_polling_mode(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, webhook=False) as tg:
        assert tg.api.calls_to("deleteWebhook")  # polling starts by dropping any webhook
        await tg.api.wait_for_long_poll()
        tg.api.push_update(message_update("/help", user_id=OFFICER))
        assert "Nhắc việc" in await tg.text_to(OFFICER)


async def test_commands_for_another_bot_are_ignored(tg: Harness) -> None:
    tg.api.set_chat_admins(GROUP, [ADMIN_ID])
    await say(tg, ADMIN_ID, "/bind Sở Tư pháp", chat_id=GROUP, chat_type="group",
              chat_title="Nhóm")
    await tg.text_to(GROUP)
    await say(tg, OFFICER, "/due@SomeOtherBot", chat_id=GROUP, chat_type="group",
              chat_title="Nhóm")
    await say(tg, OFFICER, "/due@nhacviecbot", chat_id=GROUP, chat_type="group",
              chat_title="Nhóm")  # usernames are case-insensitive
    await tg.settled()
    texts = [m["text"] for m in tg.api.sent_messages(GROUP)]
    assert len(texts) == 2 and "Sở Tư pháp — tháng 8/2023" in texts[1]


async def test_html_in_unit_names_is_escaped(tg: Harness) -> None:
    odd = Unit("ban-thu", "Ban <Thử> & Nghiệm", UnitKind.DEPARTMENT)
    directory = Directory([*tg.app.services.directory, odd])
    async with tg.app.sessions.begin() as session:
        await save_directory(session, directory, at=tg.clock())
    await tg.app.services.reload()
    await say(tg, ADMIN_ID, "/due Ban <Thử> & Nghiệm 8/2023")
    text = await tg.text_to(ADMIN_ID)
    assert "<b>Ban &lt;Thử&gt; &amp; Nghiệm — tháng 8/2023</b>" in text


async def test_one_chats_messages_are_handled_in_order(tg: Harness) -> None:
    code = await invite(tg)
    # Sent back to back: the second must see the result of the first.
    await say(tg, OFFICER, f"/start {code}")
    await say(tg, OFFICER, "thang 8/2023 phai nop gi")
    assert "Sở Tư pháp — tháng 8/2023" in await tg.text_to(OFFICER, 2)

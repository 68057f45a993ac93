"""End to end on Zalo: the real ZaloClient against a local fake Zalo Bot Platform, our
aiohttp webhook, the router and the database. No network, no buttons: numbered
choices; no deep links: invite codes typed."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import CommandError
from bot.cli import zalo as zalo_cli
from bot.config import Settings
from bot.members import MemberRole
from storage.members import get_member
from tests.fakes.zalo_api import (
    FakeZaloApi,
    echo_event,
    image_event,
    sticker_event,
    text_event,
    wrapped,
)
from tests.telegram_harness import HANOI
from tests.zalo_harness import ADMIN, SECRET, ZaloHarness, zalo_bot

OFFICER, OTHER = "z-301", "z-302"


@pytest.fixture
async def zl(tmp_path: Path) -> AsyncIterator[ZaloHarness]:
    async with zalo_bot(tmp_path) as harness:
        # An admin named in the settings is known by id only: Zalo gives the bot a chat
        # when the person writes first.
        await harness.say(ADMIN, "/help")
        yield harness


async def invite_code(zl: ZaloHarness, unit: str = "Sở Tư pháp") -> str:
    await zl.say(ADMIN, f"/invite {unit}")
    found = re.search(r"/start ([A-Za-z0-9_-]{12})", zl.last_text(ADMIN))
    assert found, zl.last_text(ADMIN)
    return found.group(1)


async def join(zl: ZaloHarness, user: str = OFFICER, unit: str = "Sở Tư pháp") -> None:
    await zl.say(user, await invite_code(zl, unit))
    assert "Bạn đã là thành viên của" in zl.last_text(user)


# --- start-up and the webhook --------------------------------------------------------------


async def test_start_up_registers_the_webhook(zl: ZaloHarness) -> None:
    assert zl.api.webhook["url"] == "https://bot.example.gov.vn/zalo/webhook"
    assert zl.api.webhook["secret_token"] == SECRET
    assert zl.api.calls_to("getMe")


async def test_wrong_or_missing_secret_is_403_and_bad_bodies_400(zl: ZaloHarness) -> None:
    event = text_event(OFFICER, "/help", message_id="x1")
    assert await zl.post(event, secret=None) == 403
    assert await zl.post(event, secret="wrong-secret-123") == 403
    assert await zl.post(event, secret="") == 403
    assert await zl.post(raw=b"{not json") == 400
    assert await zl.post(raw=b'{"ok": true, "result": 42}') == 400
    await zl.settled()
    assert zl.texts_to(OFFICER) == []  # nothing of it was handled


async def test_both_body_shapes_and_a_repeat_handled_once(zl: ZaloHarness) -> None:
    event = text_event(OFFICER, "/help", message_id="dup-1")
    assert await zl.post(event) == 200
    assert await zl.post(event, wrap=True) == 200  # the platform sent it again, wrapped
    await zl.settled()
    assert len(zl.texts_to(OFFICER)) == 1
    assert await zl.post(text_event(OFFICER, "/whoami", message_id="dup-2"), wrap=True) == 200
    await zl.settled()
    assert len(zl.texts_to(OFFICER)) == 2


async def test_the_bots_own_messages_and_stickers_are_ignored(zl: ZaloHarness) -> None:
    await zl.say(OFFICER, "/help")
    before = len(zl.api.calls_to("sendMessage"))
    assert await zl.post(echo_event(zl.api, OFFICER, "Xin chào")) == 200
    assert await zl.post(sticker_event(OFFICER, message_id="s1")) == 200
    await zl.settled()
    assert len(zl.api.calls_to("sendMessage")) == before


# --- onboarding --------------------------------------------------------------------------------


async def test_join_with_the_code_typed_or_with_start(zl: ZaloHarness) -> None:
    await join(zl)
    await zl.say(OFFICER, "/due 8/2023")
    assert "Sở Tư pháp — tháng 8/2023" in zl.last_text(OFFICER)
    code = await invite_code(zl, "Sở Y tế")
    await zl.say(OTHER, f"/start {code}")
    assert "Bạn đã là thành viên của Sở Y tế" in zl.last_text(OTHER)
    async with zl.app.sessions() as session:
        member = await get_member(session, "zalo", OTHER)
    assert member is not None and member.chat_id == OTHER  # stored at first contact


async def test_request_and_approval_by_number(zl: ZaloHarness) -> None:
    await zl.say(OFFICER, "/start")
    assert "Bạn làm việc ở đơn vị nào" in zl.last_text(OFFICER)
    await zl.say(OFFICER, "so tu phap")
    await zl.choose(OFFICER, "Sở Tư pháp")
    assert "đã được gửi tới quản trị viên" in zl.last_text(OFFICER)
    card = zl.last_text(ADMIN)
    assert "xin tham gia Sở Tư pháp" in card and "[1] ✓ Chấp thuận" in card
    await zl.choose(ADMIN, "✓ Chấp thuận")
    assert "Đã chấp thuận" in zl.last_text(ADMIN)
    assert "Bạn đã là thành viên của Sở Tư pháp" in zl.last_text(OFFICER)


# --- the month, updates ------------------------------------------------------------------------


async def test_due_with_numbered_month_navigation(zl: ZaloHarness) -> None:
    await join(zl)
    await zl.say(OFFICER, "thang 8 phai nop gi")
    month = zl.last_text(OFFICER)
    assert "Sở Tư pháp — tháng 8/2023" in month
    assert "[1] ‹ tháng trước\n[2] tháng sau ›" in month
    assert "<b>" not in month and "&amp;" not in month  # plain text, no HTML
    await zl.say(OFFICER, "2")
    assert "Sở Tư pháp — tháng 9/2023" in zl.last_text(OFFICER)
    await zl.say(OFFICER, "tháng trước")  # the option's words work too
    assert "Sở Tư pháp — tháng 8/2023" in zl.last_text(OFFICER)


async def test_an_expired_choice_says_so(zl: ZaloHarness) -> None:
    await join(zl)
    await zl.say(OFFICER, "/due")
    zl.clock.advance(timedelta(hours=1))
    await zl.say(OFFICER, "2")
    assert "đã hết hạn" in zl.last_text(OFFICER)


async def test_an_update_chosen_by_number(zl: ZaloHarness) -> None:
    await join(zl)
    await zl.say(OFFICER, "/capnhat")
    listing = zl.last_text(OFFICER)
    first = re.search(r"^\[1\] (III\.2 · 22/08 · .*)$", listing, re.M)
    assert first, listing
    await zl.say(OFFICER, "1")
    assert "Kỳ báo cáo: 22/08/2023" in zl.last_text(OFFICER)
    await zl.say(OFFICER, "Đã gửi báo cáo, xong 100%")
    assert "Đã lưu cập nhật" in zl.last_text(OFFICER)
    await zl.say(OFFICER, "/lichsu")
    assert "Đã gửi báo cáo, xong 100%" in zl.last_text(OFFICER)


async def test_a_long_message_is_split_on_line_boundaries(zl: ZaloHarness) -> None:
    """A 2,100-character instruction (an admin on Telegram may send 4,096) is past
    Zalo's 2,000: it goes in parts, cut between lines, the choice last."""
    await join(zl)
    lines = [f"{n:02d}. Rà soát, cập nhật số liệu giải ngân vốn đầu tư công của đơn vị"
             for n in range(1, 33)]
    await zl.say(ADMIN, "/thongbao " + "\n".join(lines))
    await zl.choose(ADMIN, "👥 Mọi thành viên (nhắn riêng)")
    preview = zl.texts_to(ADMIN)[-2:]
    assert all(len(t) <= 2000 for t in preview) and "📤 Gửi" in preview[-1]
    await zl.choose(ADMIN, "📤 Gửi")
    await zl.delivered()
    parts = zl.texts_to(OFFICER)[-2:]
    assert parts[0].startswith("📢 Thông báo") and all(len(t) <= 2000 for t in parts)
    assert "[1] ✓ Đã nhận" in parts[-1]
    received = [line for t in parts for line in t.splitlines()]
    assert all(line in received for line in lines)  # every line whole, none cut


# --- pushes ------------------------------------------------------------------------------------


async def test_a_reminder_reaches_an_officer_who_answers_it_by_number(zl: ZaloHarness) -> None:
    await join(zl)
    when = datetime(2023, 8, 17, 9, 0, tzinfo=HANOI)  # before-3 of the 22/08 report
    zl.clock.now = when
    assert (await zl.app.usecases.reminders.tick(when)).enqueued > 0
    await zl.delivered()
    reminder = zl.last_text(OFFICER)
    assert "Còn 3 ngày làm việc" in reminder and "[1] ✍ Gửi cập nhật" in reminder
    await zl.say(OFFICER, "1")
    assert "Kỳ báo cáo: 22/08/2023" in zl.last_text(OFFICER)


async def test_a_broadcast_is_delivered_and_acknowledged(zl: ZaloHarness) -> None:
    await join(zl)
    await zl.say(ADMIN, "/thongbao Họp giao ban lúc 14h")
    await zl.choose(ADMIN, "🏢 Chọn đơn vị…")
    await zl.say(ADMIN, "tu phap")
    await zl.choose(ADMIN, "☐ Sở Tư pháp")
    await zl.choose(ADMIN, "✓ Xong (1)")
    assert "Sẽ gửi tới 1 người và 0 nhóm" in zl.last_text(ADMIN)
    await zl.choose(ADMIN, "📤 Gửi")
    await zl.delivered()
    notice = zl.last_text(OFFICER)
    assert notice.startswith("📢 Thông báo\nHọp giao ban lúc 14h") and "[1] ✓ Đã nhận" in notice
    await zl.say(OFFICER, "1")
    assert "đã ghi nhận" in zl.last_text(OFFICER)
    await zl.app.monitor.tick(zl.clock())
    assert "Đã gửi xong thông báo" in zl.last_text(ADMIN)  # no edits: a new message


async def test_quota_exceeded_backs_off_then_delivers(zl: ZaloHarness) -> None:
    await join(zl)
    zl.api.fail_next("sendMessage", "quota", times=2, chat_id=OFFICER, retry_after=3)
    await zl.say(OFFICER, "/help")
    assert "Nhắc việc" in zl.last_text(OFFICER)
    assert zl.sleeps.count(3) == 2  # waited as told, twice, then it went


async def test_a_blocked_officer_is_marked_unreachable(zl: ZaloHarness) -> None:
    await join(zl)
    zl.api.fail_next("sendMessage", "forbidden", chat_id=OFFICER)
    await zl.say(OFFICER, "/help")
    async with zl.app.sessions() as session:
        member = await get_member(session, "zalo", OFFICER)
    assert member is not None and not member.active


async def test_a_photo_broadcast_from_zalo_goes_as_a_photo(zl: ZaloHarness) -> None:
    await join(zl)
    await zl.say(ADMIN, "/thongbao")
    assert await zl.post(image_event(ADMIN, "https://photo.zalo.me/lich.jpg",
                                     caption="Lịch trực Tết", message_id="img-1")) == 200
    await zl.settled()
    await zl.choose(ADMIN, "👥 Mọi thành viên (nhắn riêng)")
    await zl.choose(ADMIN, "📤 Gửi")
    await zl.delivered()
    photos = [c for c in zl.api.calls_to("sendPhoto") if c.params.get("chat_id") == OFFICER]
    assert photos and photos[-1].params["photo"] == "https://photo.zalo.me/lich.jpg"
    assert "Lịch trực Tết" in str(photos[-1].params.get("caption"))


async def test_the_report_files_go_by_link(zl: ZaloHarness) -> None:
    await zl.say(ADMIN, "/baocao 22/8/2023")
    await zl.choose(ADMIN, "📊 Excel")
    link = re.search(r"📎 \S+\.xlsx: (https://bot\.example\.gov\.vn/files/\S+)",
                     zl.last_text(ADMIN))
    assert link, zl.last_text(ADMIN)
    charts = [c for c in zl.api.calls_to("sendPhoto") if c.params.get("chat_id") == ADMIN]
    assert charts and "/files/" in charts[-1].params["photo"]  # the chart, by link too


async def test_the_token_never_reaches_a_log_line(zl: ZaloHarness,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await join(zl)
    zl.api.fail_next("sendMessage", "server_error", chat_id=OFFICER)
    zl.api.fail_next("sendMessage", "bad_request", chat_id=OFFICER)
    await zl.say(OFFICER, "/help")
    await zl.say(OFFICER, "/help")
    secret = zl.api.token.partition(":")[2]
    assert caplog.records
    assert all(zl.api.token not in r.getMessage() and secret not in r.getMessage()
               and secret not in (r.exc_text or "") for r in caplog.records)


# --- long polling, groups, two platforms -------------------------------------------------------


async def test_long_polling_deletes_the_webhook_and_waits_through_idle_polls(
        tmp_path: Path) -> None:
    async with zalo_bot(tmp_path, webhook=False) as zl:
        assert zl.api.calls_to("deleteWebhook")
        await zl.api.wait_for("getUpdates", count=2)  # an idle poll (408), then the next
        zl.api.push_update(text_event(ADMIN, "/help", message_id="p1"))
        await zl.api.wait_for("sendMessage")
        assert "Nhắc việc" in zl.last_text(ADMIN)
        assert zl.sleeps == []  # an idle 408 is not an error: no backoff


async def test_groups_are_off_unless_enabled(tmp_path: Path) -> None:
    async with zalo_bot(tmp_path) as zl:
        group = text_event(ADMIN, "@Nhắc việc /due", chat_id="g-1", chat_type="GROUP",
                           message_id="g1")
        assert await zl.post(group) == 200
        await zl.settled()
        assert zl.texts_to("g-1") == []
    (tmp_path / "on").mkdir()
    async with zalo_bot(tmp_path / "on", zalo_groups=True) as zl:
        await zl.say(ADMIN, "/help")
        await zl.say(ADMIN, f"@{zl.service.zalo.bot_name} /bind Sở Tư pháp",  # type: ignore[union-attr]
                     chat_id="g-1", chat_type="GROUP")
        assert "đã được gắn với Sở Tư pháp" in zl.last_text("g-1")
        zl.api.fail_next("sendMessage", "forbidden", chat_id="g-1")
        await zl.say(ADMIN, "/due", chat_id="g-1", chat_type="GROUP")
        chat = await zl.app.usecases.groups.chat("zalo", "g-1")
        assert chat is not None and not chat.active  # the platform refused: no more pushes


async def test_telegram_and_zalo_in_one_process(tmp_path: Path) -> None:
    from tests.fakes.telegram_api import FakeTelegramApi
    async with FakeTelegramApi() as telegram, zalo_bot(tmp_path, telegram_token=telegram.token,
                        telegram_api_url=telegram.api_url) as zl:
        assert zl.service.telegram is not None and zl.service.zalo is not None
        await join(zl)
        officer = await zl.app.services.member("zalo", OFFICER)
        assert officer is not None and officer.role is MemberRole.OFFICER
        assert telegram.webhook["url"] == "https://bot.example.gov.vn/telegram/webhook"
        health = await zl.service.health()
        assert set(health["channels"]) == {"telegram", "zalo"}


async def test_long_polling_backs_off_on_errors_then_goes_on(tmp_path: Path) -> None:
    async with zalo_bot(tmp_path, webhook=False) as zl:
        zl.api.fail_next("getUpdates", "server_error", times=2)
        zl.api.fail_next("getUpdates", "quota")
        await zl.api.wait_for("getUpdates", count=5)  # the fourth failure's wait is over
        # Doubling, not hammering the platform (other parts of the service may wait
        # too, through the same injected sleep: only the poller's waits are counted).
        assert [s for s in zl.sleeps if s in (2.0, 4.0, 8.0)][:3] == [2.0, 4.0, 8.0]
        zl.api.push_update(wrapped(text_event(ADMIN, "/help", message_id="p2")))
        await zl.api.wait_for("sendMessage")
        assert "Nhắc việc" in zl.last_text(ADMIN)  # the wrapped shape by polling too


async def test_the_webhook_commands_for_zalo(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    async with FakeZaloApi() as api:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
                            zalo_token=api.token, zalo_api_url=api.api_url,
                            webhook_url="https://bot.example.gov.vn",
                            webhook_secret=SECRET)
        await zalo_cli.webhook(settings, "set")
        assert api.webhook == {"url": "https://bot.example.gov.vn/zalo/webhook",
                               "secret_token": SECRET}
        await zalo_cli.webhook(settings, "info")
        assert "https://bot.example.gov.vn/zalo/webhook" in capsys.readouterr().out
        await zalo_cli.webhook(settings, "delete")
        assert api.webhook == {}
        wrong = replace(settings, zalo_token="3000000123:not-the-token")
        with pytest.raises(CommandError) as refused:
            await zalo_cli.webhook(wrong, "set")
        assert "Unauthorized" in str(refused.value) and "not-the-token" not in str(
            refused.value)


async def test_one_person_on_telegram_and_zalo_is_reminded_once(tmp_path: Path) -> None:
    """The real adapters, side by side: /link on Telegram, the code sent on Zalo, then a
    reminder reaches the person once — on Telegram, then on Zalo after /kenh zalo."""
    import aiohttp

    from bot.channels.telegram.channel import SECRET_HEADER as TELEGRAM_SECRET_HEADER
    from bot.channels.telegram.channel import WEBHOOK_PATH as TELEGRAM_PATH
    from tests.fakes.telegram_api import FakeTelegramApi
    from tests.fakes.telegram_updates import message_update

    async with FakeTelegramApi() as telegram, zalo_bot(
            tmp_path, telegram_token=telegram.token, telegram_api_url=telegram.api_url) as zl:

        update_ids = iter(range(1, 100))

        async def on_telegram(text: str) -> str:
            before = len(telegram.sent_messages(301))
            async with aiohttp.ClientSession() as session, session.post(
                    zl.service.http.url + TELEGRAM_PATH,
                    json={**message_update(text, user_id=301), "update_id": next(update_ids)},
                    headers={TELEGRAM_SECRET_HEADER: SECRET}) as response:
                assert response.status == 200
            assert zl.service.telegram is not None
            await zl.service.telegram.settled()
            return "\n".join(str(m["text"]) for m in telegram.sent_messages(301)[before:])

        await on_telegram(f"/start {await invite_code(zl)}")
        shown = await on_telegram("/link")
        code = re.search(r"\b(\d{6})\b", shown)
        assert code, shown
        await zl.say(OFFICER, f"/link {code.group(1)}")
        assert "Đã liên kết" in zl.last_text(OFFICER)

        async def reminded(day: int) -> tuple[int, int]:
            tg_before, zl_before = len(telegram.sent_messages(301)), len(zl.texts_to(OFFICER))
            when = datetime(2023, 8, day, 9, 0, tzinfo=HANOI)
            zl.clock.now = when
            await zl.app.usecases.reminders.tick(when)
            await zl.delivered()
            return (len(telegram.sent_messages(301)) - tg_before,
                    len(zl.texts_to(OFFICER)) - zl_before)

        assert await reminded(17) == (1, 0)  # three working days before the 22nd
        await zl.say(OFFICER, "/kenh zalo")
        assert "Từ nay nhắc việc và thông báo gửi qua" in zl.last_text(OFFICER)
        assert await reminded(21) == (0, 1)  # the day before: on Zalo only

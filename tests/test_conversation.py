"""/due and its free-text forms through the neutral conversation layer (the Router),
on a real database built by the composition root, with the clock passed in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import App, running_app
from bot.config import Settings
from bot.members import MemberRole
from bot.messages import Incoming, Reply
from bot.rich import to_plain
from storage.plans import task_ids_by_code
from storage.progress import record_update

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2023, 8, 10, 9, 0, tzinfo=HANOI)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
                        admins=("local:boss",))
    async with running_app(settings, clock=lambda: NOW) as running:
        await running.services.enroll("local", "tp", unit_id="so-tp",
                                      role=MemberRole.OFFICER, at=NOW)
        await running.services.enroll("local", "tp-en", unit_id="so-tp",
                                      role=MemberRole.OFFICER, at=NOW, language="en")
        await running.services.enroll("local", "qhc", unit_id="bcd-qhc-do-thi",
                                      role=MemberRole.OFFICER, at=NOW)
        yield running


async def say(app: App, user: str, text: str = "", choice: str | None = None,
              at: datetime = NOW) -> list[Reply]:
    incoming = Incoming(channel="local", chat_id=user, user_id=user, received_at=at,
                        text=text, choice=choice)
    return await app.router.handle(incoming)


async def text_of(app: App, user: str, text: str = "", choice: str | None = None,
                  at: datetime = NOW) -> str:
    return "\n".join(to_plain(r.body) for r in await say(app, user, text, choice, at))


async def test_due_shows_the_units_month(app: App) -> None:
    (reply,) = await say(app, "tp", "/due")
    text = to_plain(reply.body)
    assert text.startswith("Sở Tư pháp — tháng 8/2023")
    # The issue's own example line, word for word.
    assert ("Báo cáo định kỳ gửi Sở Kế hoạch và Đầu tư — trước ngày 05/08/2023 (Thứ Bảy)"
            in text)
    assert "trước ngày 22/08/2023 (Thứ Ba)" in text
    assert "«trước ngày 31/8/2023»" in text and "«trong tháng 8/2023»" in text
    assert "Phối hợp (đơn vị khác chủ trì)" in text
    assert text.index("Hạn trong tháng") < text.index("Báo cáo định kỳ\n") \
        < text.index("Phối hợp") < text.index("Quá hạn")
    assert "II.3.4" in text.split("Quá hạn")[1]
    assert "+ 4 nhiệm vụ chưa có thời hạn" in text
    assert [o.data for o in reply.options[0]] == ["due:so-tp:2023-07", "due:so-tp:2023-09"]
    assert len(text.splitlines()) < 40  # fits a couple of phone screens at most


@pytest.mark.parametrize(("message", "header"), [
    ("/due 9/2023", "tháng 9/2023"),
    ("/due tháng sau", "tháng 9/2023"),
    ("/due@NhacViecBot 2023-07", "tháng 7/2023"),
    ("/han T10/2023", "tháng 10/2023"),
    ("tháng này đơn vị tôi phải làm gì", "tháng 8/2023"),
    ("thang 8 phai nop gi", "tháng 8/2023"),
    ("tháng sau phải nộp gì?", "tháng 9/2023"),
    ("Tháng 12", "tháng 12/2023"),
])
async def test_due_forms(app: App, message: str, header: str) -> None:
    text = await text_of(app, "tp", message)
    assert text.startswith(f"Sở Tư pháp — {header}")


async def test_overdue_free_text_and_command(app: App) -> None:
    for message in ("việc quá hạn", "viec qua han", "/quahan", "/overdue"):
        text = await text_of(app, "tp", message)
        assert "Sở Tư pháp — quá hạn" in text
        assert "II.3.4" in text and "II.6.3" in text
        assert "II.8.1" not in text  # due 31/08, not yet


async def test_month_buttons_edit_in_place(app: App) -> None:
    (reply,) = await say(app, "tp", choice="due:so-tp:2023-09")
    assert reply.edit
    assert to_plain(reply.body).startswith("Sở Tư pháp — tháng 9/2023")


@pytest.mark.parametrize("forged", [
    "due:so-khdt:2023-09",  # another unit
    "due:no-such-unit:2023-09",
    "due:so-tp:2023-13",
    "due:so-tp",
    "due:",
    "zzz:1",
])
async def test_forged_buttons_change_nothing(app: App, forged: str) -> None:
    text = await text_of(app, "tp", choice=forged)
    assert "không còn hiệu lực" in text


async def test_officer_cannot_see_another_unit(app: App) -> None:
    text = await text_of(app, "tp", "/due Sở Kế hoạch và Đầu tư")
    assert "chỉ xem được nhiệm vụ của đơn vị mình" in text
    assert "Sở Kế hoạch và Đầu tư —" not in text


async def test_admin_names_any_unit(app: App) -> None:
    text = await text_of(app, "boss", "/due Sở Tư pháp 8/2023")
    assert text.startswith("Sở Tư pháp — tháng 8/2023")
    text = await text_of(app, "boss", "/due so kh dt 9/2023")
    assert text.startswith("Sở Kế hoạch và Đầu tư — tháng 9/2023")
    assert "Tiếp nhận, tổng hợp" in text  # the 5th/22nd reports come in
    assert "từ: Các sở, ban, ngành, địa phương" in text


async def test_admin_without_a_unit_is_asked_which(app: App) -> None:
    assert "Đơn vị nào?" in await text_of(app, "boss", "/due")
    assert "Không có đơn vị nào khớp" in await text_of(app, "boss", "/due qwertyuiop")


async def test_unregistered_user_sees_nothing(app: App) -> None:
    text = await text_of(app, "stranger", "/due Sở Tư pháp")
    assert "chưa đăng ký" in text
    assert "Báo cáo" not in text


async def test_impossible_month_gets_a_clear_answer(app: App) -> None:
    text = await text_of(app, "tp", "/due 13/2023")
    assert "Không hiểu tháng “13/2023”" in text


async def test_nothing_due_is_said_clearly(app: App) -> None:
    text = await text_of(app, "qhc", "/due")
    assert "không có việc nào đến hạn trong tháng 8/2023" in text


async def test_english_member(app: App) -> None:
    text = await text_of(app, "tp-en", "/due")
    assert "Deadlines this month" in text
    assert "by 05/08/2023 (Saturday)" in text


async def test_tasks_lists_undated_ones(app: App) -> None:
    text = await text_of(app, "tp", "/tasks")
    assert "II.9" in text and "chưa có thời hạn" in text


async def test_hostile_input(app: App) -> None:
    assert "quá dài" in await text_of(app, "tp", "x" * 100_000)
    assert "Không rõ lệnh" in await text_of(app, "tp", "/doesnotexist")
    assert "chưa hiểu" in await text_of(app, "tp", "<script>alert(1)</script>")
    assert "chưa hiểu" in await text_of(app, "tp", "\x00\x1b[31m")


async def test_handler_failure_is_answered(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(app.services, "agenda", broken)
    text = await text_of(app, "tp", "/due")
    assert "đã có lỗi xảy ra" in text


async def test_due_on_each_backend(database_url: str) -> None:
    """The whole path — migrate, seed, load, /due — on SQLite and on PostgreSQL."""
    async with running_app(Settings(database_url=database_url), clock=lambda: NOW) as app:
        await app.services.enroll("local", "tp", unit_id="so-tp", role=MemberRole.OFFICER,
                                  at=NOW)
        text = await text_of(app, "tp", "thang 8 phai nop gi")
        assert "trước ngày 05/08/2023 (Thứ Bảy)" in text
    # A second start on the same database neither duplicates nor fails.
    async with running_app(Settings(database_url=database_url), clock=lambda: NOW) as app:
        assert len(app.services.snapshot.plans) == 1
        assert len(app.services.snapshot.plans[0].tasks) == 53


async def test_long_overdue_list_is_capped_in_due(app: App) -> None:
    # Asked in January 2024, Sở NN&PTNT has ten overdue items from 2023: too many for a
    # phone screen in /due, all of them in /quahan.
    await app.services.enroll("local", "nn", unit_id="so-nnptnt", role=MemberRole.OFFICER,
                              at=NOW)
    january = datetime(2024, 1, 10, 9, 0, tzinfo=HANOI)
    text = await text_of(app, "nn", "/due", at=january)
    overdue = text.split("Quá hạn (chưa báo hoàn thành)")[1]
    assert overdue.count("• ") == 5
    assert "+ 5 việc quá hạn khác: /quahan" in overdue
    full = await text_of(app, "nn", "/quahan", at=january)
    assert full.count("• ") == 10


async def test_a_due_date_on_a_public_holiday_says_so(app: App) -> None:
    # 05/02/2027 falls in the Tết holiday (Giao thừa): the officer must send it earlier.
    text = await text_of(app, "tp", "/due 2/2027")
    assert "trước ngày 05/02/2027 (Thứ Sáu, nghỉ: Giao thừa Tết Nguyên Đán)" in text
    text = await text_of(app, "tp-en", "/due 2/2027")
    assert "by 05/02/2027 (Friday, holiday: Lunar New Year's Eve)" in text


async def test_updates_already_sent_show_in_the_month(app: App) -> None:
    member = await app.services.member("local", "tp")
    assert member is not None
    async with app.sessions.begin() as session:
        ids = await task_ids_by_code(session, "bn-2023-q3")
        # The 05/08 report was sent; II.3.4 (overdue since July) was finished late.
        await record_update(session, task_id=ids["III.2"], unit_id="so-tp",
                            member_id=member.id, cycle=date(2023, 8, 5), text="Đã gửi",
                            percent=100, status="done", at=NOW)
        await record_update(session, task_id=ids["II.3.4"], unit_id="so-tp",
                            member_id=member.id, cycle=date(2023, 7, 31), text="Xong",
                            percent=100, status="done", at=NOW)
    text = await text_of(app, "tp", "/due")
    assert "trước ngày 05/08/2023 (Thứ Bảy) ✓" in text
    assert "trước ngày 22/08/2023 (Thứ Ba) ✓" not in text
    assert "II.3.4" not in text  # no longer overdue
    assert "II.6.3" in text

"""``nhacviec broadcast`` from the shell: the audience printed, a dry run that sends
nothing, and a real send through the real python-telegram-bot to the fake Bot API,
with the outcome naming who could not be reached."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.app import running_app
from bot.config import Settings
from bot.members import MemberRole
from tests.fakes.telegram_api import FakeTelegramApi
from tests.telegram_harness import START

OFFICERS = {"so-tp": ("301", "302"), "so-yt": ("311",)}


async def _people(shell: Path, *, channel: str = "telegram") -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{shell / 'nhacviec.db'}")
    async with running_app(settings, clock=lambda: START) as app:
        for unit, users in OFFICERS.items():
            for user in users:
                await app.services.enroll(channel, user, unit_id=unit, role=MemberRole.OFFICER,
                                          at=START, display_name=f"Cán bộ {user}", chat_id=user)
        await app.usecases.groups.bind(channel, "-4001", title="Nhóm Tư pháp", unit_id="so-tp",
                                       bound_by="cli", now=START)


async def test_dry_run_prints_the_audience_and_sends_nothing(
        shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await _people(shell)
    code = await asyncio.to_thread(main, ["broadcast", "--to", 'unit:"Sở Tư pháp"',
                                          "--text", "Họp lúc 14h", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Audience: Sở Tư pháp: 2 people, 1 groups (telegram 3)" in out
    assert "Dry run: nothing was sent." in out
    code = await asyncio.to_thread(main, ["broadcast", "--to", "kind:sở", "--text", "x",
                                          "--dry-run"])
    assert code == 0 and "3 people, 1 groups" in capsys.readouterr().out


async def test_bad_audiences_are_refused(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for targets in (["unit:Bộ Quốc phòng"], ["kind:planets"], ["everyone"], ["all", "groups"]):
        args = [arg for target in targets for arg in ("--to", target)]
        assert await asyncio.to_thread(main, ["broadcast", *args, "--text", "x"]) == 1
        assert capsys.readouterr().err
    assert await asyncio.to_thread(main, ["broadcast", "--to", "all", "--text", " "]) == 1


async def test_sends_through_telegram_and_reports_the_outcome(
        shell: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    await _people(shell)
    async with FakeTelegramApi() as api:
        api.state.left_chats.add(311)  # this officer blocked the bot
        monkeypatch.setenv("NHACVIEC_TELEGRAM_TOKEN", api.token)
        monkeypatch.setenv("NHACVIEC_TELEGRAM_API_URL", api.api_url)
        code = await asyncio.to_thread(main, ["broadcast", "--to", "all", "--text",
                                              "Nộp báo cáo trước 16h", "--from", "VP UBND"])
        out = capsys.readouterr().out
        assert code == 0, out
        sent = {int(c.params["chat_id"]) for c in api.calls_to("sendMessage") if c.ok}
        assert sent == {301, 302}
        text = api.sent_messages(301)[0]["text"]
        assert "Nộp báo cáo trước 16h" in text and "— VP UBND" in text
    assert "Audience: mọi thành viên (nhắn riêng): 3 people, 0 groups" in out
    assert "Đã gửi xong thông báo #1" in out
    assert "Đã gửi 2 · lỗi 1 · còn lại 0" in out
    assert "Cán bộ 311 (Sở Y tế) — đã chặn bot" in out


async def test_without_a_token_local_members_get_it_and_others_wait(
        shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await _people(shell, channel="local")
    settings = Settings(database_url=f"sqlite+aiosqlite:///{shell / 'nhacviec.db'}")
    async with running_app(settings, clock=lambda: START) as app:
        await app.services.enroll("zalo", "z1", unit_id="so-tp", role=MemberRole.OFFICER,
                                  at=START, display_name="Cán bộ Zalo", chat_id="z1")
    code = await asyncio.to_thread(main, ["broadcast", "--to", "unit:so tu phap",
                                          "--text", "Kiểm tra"])
    out = capsys.readouterr().out
    assert code == 0
    assert "🔔 [301] 📢 Thông báo\nKiểm tra" in out and "🔔 [-4001] 📢 Thông báo" in out
    assert "1 messages for channels not running here stay queued" in out
    assert "Đang gửi thông báo #1" in out and "Đã gửi 3 · lỗi 0 · còn lại 1" in out

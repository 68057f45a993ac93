"""The local web chat's WebSocket protocol, end to end with aiohttp's test client: no
browser, no network beyond the loopback, no real clock (the demo clock runs on a
fixed "real" time)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import ClientSession, WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer

from bot.__main__ import _main, _parser, web_mode
from bot.app import App, running_app
from bot.channels.web import DemoClock, WebChat
from bot.channels.web.channel import MAX_FRAME
from bot.channels.web.render import safe_json_for_script, to_web_html
from bot.config import Settings
from bot.rich import bold, plain
from bot.scheduler import ReminderScheduler

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2023, 8, 10, 9, 0, tzinfo=HANOI)
REAL = datetime(2026, 1, 5, 10, 0, tzinfo=HANOI)  # what the machine's clock would say


@dataclass
class WebBot:
    app: App
    chat: WebChat
    client: TestClient[Any, Any]
    clock: DemoClock


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[WebBot]:
    clock = DemoClock(NOW, real=lambda: REAL)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    async with running_app(settings, clock=clock) as app:
        chat = WebChat(app)
        chat.scheduler = ReminderScheduler(app, {"web": chat})
        application = web.Application()
        chat.add_routes(application)
        async with TestClient(TestServer(application)) as client:
            yield WebBot(app, chat, client, clock)


class Page:
    """One browser tab's socket, read frame by frame."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.hello: dict[str, Any] = {}

    async def send(self, frame: dict[str, Any] | str) -> list[dict[str, Any]]:
        """Send a frame; everything the server answered, up to its ``done``."""
        await self.ws.send_str(frame if isinstance(frame, str) else json.dumps(frame))
        return await self.until_done()

    async def until_done(self) -> list[dict[str, Any]]:
        frames = []
        while True:
            frame = await self.ws.receive_json(timeout=10)
            if frame["type"] == "done":
                return frames
            frames.append(frame)


async def open_page(bot: WebBot, lang: str = "vi") -> Page:
    page = Page(await bot.client.ws_connect(f"/ws?lang={lang}"))
    page.hello = await page.ws.receive_json(timeout=10)
    assert page.hello["type"] == "hello"
    return page


def texts(frames: list[dict[str, Any]]) -> str:
    return "\n".join(re.sub(r"<[^>]+>", "", f.get("html", f.get("text", ""))) for f in frames)


def option(frames: list[dict[str, Any]], label: str) -> tuple[str, str]:
    for frame in reversed(frames):
        for row in frame.get("options", []):
            for o in row:
                if o["label"] == label:
                    return frame["id"], o["data"]
    raise AssertionError(f"no button {label!r}")


async def test_the_page_is_served_with_its_labels_and_no_outside_resources(bot: WebBot) -> None:
    response = await bot.client.get("/")
    assert response.status == 200
    body = await response.text()
    assert "Bạn là ai?" in body and '<html lang="vi">' in body
    assert "http://" not in body and "https://" not in body  # offline: no CDN, no fonts
    assert "nonce-" in response.headers["Content-Security-Policy"]
    english = await (await bot.client.get("/?lang=en")).text()
    assert "Who are you?" in english and '<html lang="en">' in english


async def test_persona_due_button_edit_update(bot: WebBot) -> None:
    page = await open_page(bot)
    assert {"id": "so-tp", "name": "Sở Tư pháp"} in page.hello["units"]
    assert page.hello["demo"] is True and page.hello["clock"] == "2023-08-10T09:00"
    [persona] = await page.send({"type": "persona", "role": "officer", "unit": "so-tp"})
    assert persona["type"] == "persona" and "Bạn là cán bộ của Sở Tư pháp" in persona["text"]
    month = await page.send({"type": "text", "text": "/due"})
    assert "Sở Tư pháp — tháng 8/2023" in texts(month)
    message_id, data = option(month, "tháng sau ›")
    [edited] = await page.send({"type": "choice", "message": message_id, "data": data})
    assert edited["type"] == "edit" and edited["id"] == message_id  # in place
    assert "Sở Tư pháp — tháng 9/2023" in texts([edited])
    update = await page.send({"type": "text", "text": "/update III.2 đã gửi báo cáo, xong 100%"})
    assert "Đã lưu cập nhật" in texts(update)


async def test_a_reminder_pushed_live_after_a_jump(bot: WebBot) -> None:
    officer = await open_page(bot)
    await officer.send({"type": "persona", "role": "officer", "unit": "so-tp"})
    admin = await open_page(bot)
    await admin.send({"type": "persona", "role": "admin"})
    frames = await admin.send({"type": "clock", "at": "2023-08-17T08:00"})
    assert frames[-1]["type"] == "clock" and frames[-1]["clock"] == "2023-08-17T08:00"
    assert bot.clock() == datetime(2023, 8, 17, 8, 0, 1, tzinfo=HANOI)
    # The officer's page got the clock and the reminder, unasked.
    pushed = [await officer.ws.receive_json(timeout=10) for _ in range(2)]
    reminder = next(f for f in pushed if f["type"] == "message")
    assert reminder["pushed"] and "Còn 3 ngày làm việc" in texts([reminder])
    message_id, data = option([reminder], "✍ Gửi cập nhật")
    answer = await officer.send({"type": "choice", "message": message_id, "data": data})
    assert "Kỳ báo cáo: 22/08/2023" in texts(answer)


async def test_reporting_changes_the_escalation(bot: WebBot) -> None:
    officer = await open_page(bot)
    await officer.send({"type": "persona", "role": "officer", "unit": "so-tp"})
    await officer.send({"type": "text", "text": "/update III.2 đã gửi báo cáo, xong 100%"})
    admin = await open_page(bot)
    await admin.send({"type": "persona", "role": "admin"})
    frames = await admin.send({"type": "clock", "at": "2023-08-22T16:00"})
    escalation = texts([f for f in frames if f["type"] == "message"])
    assert "Sở Y tế" in escalation and "Sở Tư pháp" not in escalation


async def test_a_persona_whose_page_is_closed_gets_its_pushes_when_picked(bot: WebBot) -> None:
    page = await open_page(bot)
    await page.send({"type": "persona", "role": "officer", "unit": "so-tp"})
    await page.ws.close()
    admin = await open_page(bot)
    await admin.send({"type": "persona", "role": "admin"})
    await admin.send({"type": "clock", "at": "2023-08-17T08:00"})
    again = await open_page(bot)
    frames = await again.send({"type": "persona", "role": "officer", "unit": "so-tp"})
    assert "Còn 3 ngày làm việc" in texts(frames[1:])


async def test_lead_and_bound_group_personas(bot: WebBot) -> None:
    lead = await open_page(bot)
    [persona] = await lead.send({"type": "persona", "role": "lead", "unit": "so-tp"})
    assert "trưởng đơn vị" in persona["text"] or "lãnh đạo" in persona["text"]
    member = await bot.app.services.member("web", "lead-so-tp")
    assert member is not None and member.role.value == "lead"
    group = await open_page(bot)
    [persona] = await group.send({"type": "persona", "role": "group", "unit": "so-tp"})
    assert persona["group"] and persona["chat"] == "group-so-tp"
    frames = await group.send({"type": "text", "text": "/due 8/2023"})
    assert "Sở Tư pháp — tháng 8/2023" in texts(frames)
    assert await group.send({"type": "text", "text": "chào mọi người"}) == []  # people talk


async def test_html_is_escaped(bot: WebBot) -> None:
    assert to_web_html(plain("<script>alert('x')</script> & \"q\"")) == \
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;"
    assert to_web_html(bold("<b>")) == "<b>&lt;b&gt;</b>"
    assert "</script>" not in safe_json_for_script({"a": "</script><!--"})
    page = await open_page(bot)
    await page.send({"type": "persona", "role": "officer", "unit": "so-tp"})
    frames = await page.send({"type": "text",
                              "text": "/update III.2 <script>alert(1)</script> xong"})
    history = await page.send({"type": "text", "text": "/lichsu"})
    shown = "".join(f["html"] for f in frames + history)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "<script>" not in shown


async def test_bad_frames_are_refused_and_nothing_changes(bot: WebBot) -> None:
    page = await open_page(bot)
    [error] = await page.send({"type": "text", "text": "/due"})
    assert error["type"] == "error" and "Hãy chọn" in error["text"]  # no persona yet
    for bad in ("not json", "[1, 2]", json.dumps({"type": 3}), json.dumps({"type": "fly"}),
                json.dumps({"type": "persona", "role": "emperor"}),
                json.dumps({"type": "persona", "role": "officer", "unit": "nowhere"})):
        [error] = await page.send(bad)
        assert error["type"] == "error", bad
    await page.send({"type": "persona", "role": "officer", "unit": "so-tp"})
    month = await page.send({"type": "text", "text": "/due"})
    message_id, _ = option(month, "tháng sau ›")
    for forged in ({"message": message_id, "data": "approve:1"},
                   {"message": "m999", "data": "month:so-tp:2023-09"},
                   {"message": 7, "data": None}):
        [error] = await page.send({"type": "choice", **forged})
        assert error["type"] == "error" and "không có" in error["text"], forged
    [error] = await page.send({"type": "text", "text": 123})
    assert error["type"] == "error"
    [error] = await page.send({"type": "clock", "at": "next tuesday"})
    assert error["type"] == "error" and bot.clock() == NOW
    await page.ws.send_bytes(b"\x00\x01")
    [error] = await page.until_done()
    assert error["type"] == "error"
    still = await page.send({"type": "text", "text": "/due"})  # the socket still works
    assert "Sở Tư pháp — tháng 8/2023" in texts(still)


async def test_a_huge_frame_closes_the_socket(bot: WebBot) -> None:
    page = await open_page(bot)
    await page.ws.send_str(json.dumps({"type": "text", "text": "x" * (MAX_FRAME + 10)}))
    message = await page.ws.receive(timeout=10)
    assert message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
    # The server is unharmed.
    other = await open_page(bot)
    [persona] = await other.send({"type": "persona", "role": "admin"})
    assert persona["type"] == "persona"


async def test_an_attachment_is_downloadable(bot: WebBot) -> None:
    page = await open_page(bot)
    await page.send({"type": "persona", "role": "admin"})
    report = await page.send({"type": "text", "text": "/baocao 22/8"})
    message_id, data = option(report, "📄 CSV")
    frames = await page.send({"type": "choice", "message": message_id, "data": data})
    attachment = next(f["attachment"] for f in frames if f.get("attachment"))
    assert attachment["filename"].endswith(".csv")
    response = await bot.client.get(attachment["url"])
    assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
    assert (await bot.client.get(attachment["url"] + "x")).status == 404
    assert (await bot.client.get("/web/files/nothing/x.csv")).status == 404


async def test_the_real_clock_cannot_jump(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    async with running_app(settings, clock=lambda: NOW) as app:
        chat = WebChat(app)
        application = web.Application()
        chat.add_routes(application)
        async with TestClient(TestServer(application)) as client:
            page = Page(await client.ws_connect("/ws"))
            page.hello = await page.ws.receive_json(timeout=10)
            assert page.hello["demo"] is False
            [error] = await page.send({"type": "clock", "at": "2023-08-17T08:00"})
            assert error["type"] == "error"


def test_the_demo_clock_runs_on_from_where_it_jumped() -> None:
    real = [REAL]
    clock = DemoClock(NOW, real=lambda: real[0])
    assert clock() == NOW
    real[0] = REAL.replace(minute=5)
    assert clock() == NOW.replace(minute=5)
    clock.jump(datetime(2023, 8, 22, 16, 0, tzinfo=HANOI))
    assert clock() == datetime(2023, 8, 22, 16, 0, tzinfo=HANOI)
    with pytest.raises(ValueError):
        clock.jump(datetime(2023, 8, 22, 16, 0))


async def test_run_local_serves_the_web_chat_and_says_where(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``nhacviec run --local`` with a Telegram token set: the web chat on a free port,
    the demo clock where asked, and no messenger started (no network is touched)."""
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
                        http_port=0, telegram_token="123:not-a-real-token")
    args = _parser().parse_args(["run", "--local", "--clock", "2023-08-17 08:00"])
    assert web_mode(args, settings)
    assert not web_mode(_parser().parse_args(["run"]), settings)  # a token: the messengers
    assert web_mode(_parser().parse_args(["run"]), replace(settings, telegram_token=None))
    listening = asyncio.Event()
    ready = WebChat.ready

    def announced(chat: WebChat, url: str) -> None:
        ready(chat, url)
        listening.set()

    monkeypatch.setattr(WebChat, "ready", announced)
    running = asyncio.create_task(_main(args, settings))
    try:
        async with asyncio.timeout(20):
            await listening.wait()
        printed = capsys.readouterr().out
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", printed)
        assert found and "trình duyệt" in printed, printed
        async with ClientSession() as session:
            base = found.group(0)
            async with session.get(base) as response:
                assert response.status == 200 and "Bạn là ai?" in await response.text()
            async with session.ws_connect(base + "ws") as ws:
                hello = await ws.receive_json(timeout=10)
                assert hello["demo"] and hello["clock"] == "2023-08-17T08:00"
    finally:
        os.kill(os.getpid(), signal.SIGTERM)  # as systemd stops it: handled, a clean stop
        async with asyncio.timeout(20):
            await running

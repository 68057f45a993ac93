"""The local web chat in a real browser: headless Chromium (Debian's ``chromium``)
driven by Playwright, against the bot started in this process on a free port with a
fresh SQLite database. Skipped only when there is no browser and CI does not ask for
one (``.ci/run`` installs it and sets ``NHACVIEC_REQUIRE_BROWSER``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import running_app
from bot.channels.web import DemoClock, WebChat
from bot.config import Settings
from bot.runner import Service

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = bool(os.environ.get("NHACVIEC_REQUIRE_BROWSER"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
NOW = datetime(2023, 8, 10, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
TIMEOUT = 10_000  # ms: a step that takes longer is broken

if not CHROMIUM.exists() and not REQUIRED:
    pytest.skip(f"no browser at {CHROMIUM} (apt-get install chromium; CI sets "
                "NHACVIEC_REQUIRE_BROWSER=1 and installs it)", allow_module_level=True)
if not REQUIRED:
    pytest.importorskip("playwright", reason="Playwright for Python is not installed")

from playwright.async_api import async_playwright, expect  # noqa: E402


@pytest.fixture
async def bot_url(tmp_path: Path) -> AsyncIterator[str]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
                        http_port=0)
    async with running_app(settings, clock=DemoClock(NOW)) as app:
        service = Service(app, web=WebChat(app))
        await service.start()
        try:
            yield service.http.url + "/"
        finally:
            await service.stop()


async def test_an_officer_asks_reports_and_gets_a_reminder(bot_url: str,
                                                           tmp_path: Path) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": 400, "height": 760})
            page.set_default_timeout(TIMEOUT)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(bot_url)
            await expect(page.locator("#who-q")).to_have_text("Bạn là ai?")
            await expect(page.locator("#clock")).to_have_text("10/08/2023 09:00")

            await page.fill("#search", "tu phap")  # no diacritics: still found
            await page.click('#units button[data-unit="so-tp"]')
            await expect(page.locator("#who")).to_have_text("Bạn là cán bộ của Sở Tư pháp.")

            log = page.locator("#log")
            await page.fill("#text", "/due")
            await page.press("#text", "Enter")
            await expect(log).to_contain_text("Sở Tư pháp — tháng 8/2023")
            await page.get_by_role("button", name="tháng sau ›").click()  # edited in place
            await expect(log).to_contain_text("Sở Tư pháp — tháng 9/2023")
            await expect(log).not_to_contain_text("Sở Tư pháp — tháng 8/2023")

            await page.fill("#text", "/update II.8.1 đang rà soát <script>x()</script> 30%")
            await page.click("#send")
            await expect(log).to_contain_text("Đã lưu cập nhật")
            await expect(log).to_contain_text("<script>x()</script>")  # shown as text

            await page.fill("#clock-at", "2023-08-17T08:00")
            await page.click("#clock-jump")
            await expect(page.locator("#clock")).to_have_text("17/08/2023 08:00")
            reminder = page.locator(".msg.pushed").filter(has_text="Còn 3 ngày làm việc")
            await expect(reminder).to_have_count(1)
            await reminder.get_by_role("button", name="✍ Gửi cập nhật").click()
            await expect(log).to_contain_text("Kỳ báo cáo: 22/08/2023")

            shot = tmp_path / "web_chat.png"
            await page.screenshot(path=str(shot), full_page=True)
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copy(shot, ARTIFACTS / "web_chat.png")
            assert errors == []
        finally:
            await browser.close()

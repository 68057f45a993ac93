"""Files handed over by link: kept under an unguessable token, served by the bot's
own HTTP server with their name, gone once expired; no link without a public URL."""

from __future__ import annotations

from datetime import timedelta

import aiohttp

from bot.app import App
from bot.file_shelf import ROUTE, FileShelf
from bot.http import HttpServer
from bot.messages import Attachment
from tests.conversation_kit import NOW
from tests.telegram_harness import Clock

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _ok() -> dict[str, str]:
    return {"status": "ok"}


async def test_a_file_by_link_until_it_expires(app: App) -> None:
    clock = Clock(NOW)
    server = HttpServer("127.0.0.1", 0, _ok)
    shelf = FileShelf(app.sessions, "https://bot.example.gov.vn", clock=clock)
    server.add_get(ROUTE, shelf.serve)
    await server.start()
    try:
        report = Attachment("báo cáo 22-08.xlsx", b"PK\x03\x04 sheet", XLSX)
        url = await shelf.put(report, NOW)
        assert url is not None and url.startswith("https://bot.example.gov.vn/files/")
        assert url.endswith("/b%C3%A1o%20c%C3%A1o%2022-08.xlsx")
        path = url.removeprefix("https://bot.example.gov.vn")
        async with aiohttp.ClientSession() as http:
            async with http.get(server.url + path) as response:
                assert response.status == 200
                assert await response.read() == b"PK\x03\x04 sheet"
                assert response.content_type == XLSX
                assert "attachment" in response.headers["Content-Disposition"]
            token = path.split("/")[2]
            async with http.get(f"{server.url}/files/{token}/other.xlsx") as response:
                assert response.status == 404  # a link is one file, by its name too
            async with http.get(f"{server.url}/files/guess/báo.xlsx") as response:
                assert response.status == 404
            clock.now = NOW + timedelta(days=2)
            async with http.get(server.url + path) as response:
                assert response.status == 404  # expired
    finally:
        await server.stop()


async def test_no_public_url_no_link(app: App) -> None:
    shelf = FileShelf(app.sessions, None, clock=lambda: NOW)
    assert await shelf.put(Attachment("a.png", b"png", "image/png"), NOW) is None

"""python-telegram-bot's HTTP layer on aiohttp (bot/channels/telegram/request.py),
against a local aiohttp server: what PTB hands it reaches the server as HTTPX would
send it, and transport failures become PTB's errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.channels.telegram.request import AiohttpRequest


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[dict[str, object]]]]:
    seen: list[dict[str, object]] = []

    async def echo(request: web.Request) -> web.Response:
        name = request.path.rsplit("/", 1)[-1]
        if name == "slow":
            await asyncio.sleep(0.5)  # past the client's 0.05 s
        fields: dict[str, object] = {}
        if request.content_type == "multipart/form-data":
            async for part in await request.multipart():
                fields[part.name or ""] = (part.filename, part.headers.get("Content-Type"),
                                           await part.read())  # type: ignore[union-attr]
        else:
            fields = dict(await request.post())
        seen.append({"method": request.method, "type": request.content_type,
                     "fields": fields, "agent": request.headers.get("User-Agent")})
        return web.json_response({"ok": True, "result": True},
                                 status=418 if name == "teapot" else 200)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


async def test_parameters_go_as_a_form_with_json_values(
        server: tuple[str, list[dict[str, object]]]) -> None:
    url, seen = server
    data = RequestData([RequestParameter.from_input("chat_id", 42),
                        RequestParameter.from_input("reply_markup", {"inline_keyboard": [[]]}),
                        RequestParameter.from_input("text", "<b>Hạn</b> & more")])
    async with AiohttpRequest() as request:
        status, body = await request.do_request(url + "/teapot", "POST", data)
    # The status and body as they came: PTB itself makes errors of them.
    assert (status, json.loads(body)) == (418, {"ok": True, "result": True})
    assert seen[0]["type"] == "application/x-www-form-urlencoded"
    assert seen[0]["fields"] == {"chat_id": "42", "reply_markup": '{"inline_keyboard": [[]]}',
                                 "text": "<b>Hạn</b> & more"}
    assert str(seen[0]["agent"]).startswith("python-telegram-bot")


async def test_files_go_as_multipart(server: tuple[str, list[dict[str, object]]]) -> None:
    url, seen = server
    upload = InputFile(b"a,b\n1,2\n", filename="bao-cao.csv")
    data = RequestData([RequestParameter.from_input("chat_id", 42),
                        RequestParameter.from_input("document", upload)])
    async with AiohttpRequest() as request:
        status, _ = await request.do_request(url + "/sendDocument", "POST", data)
    fields = seen[0]["fields"]
    assert status == 200 and isinstance(fields, dict)
    assert fields["chat_id"] == (None, "text/plain; charset=utf-8", b"42")
    (part,) = [v for k, v in fields.items() if k != "chat_id"]
    assert part == ("bao-cao.csv", "text/csv", b"a,b\n1,2\n")


async def test_a_slow_answer_is_timed_out(server: tuple[str, list[dict[str, object]]]) -> None:
    url, _ = server
    async with AiohttpRequest(read_timeout=0.05) as request:
        with pytest.raises(TimedOut):
            await request.do_request(url + "/slow", "POST", RequestData([]))


async def test_no_server_is_a_network_error() -> None:
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError, match=r"aiohttp\.ClientConnectorError"):
            await request.do_request("http://127.0.0.1:9/getMe", "POST", None)


async def test_it_must_be_initialized_and_can_be_again(
        server: tuple[str, list[dict[str, object]]]) -> None:
    url, _ = server
    request = AiohttpRequest()
    with pytest.raises(RuntimeError):
        await request.do_request(url + "/getMe", "POST", None)
    for _ in range(2):
        await request.initialize()
        assert (await request.do_request(url + "/getMe", "POST", None))[0] == 200
        await request.shutdown()


async def test_ptb_bot_runs_on_it(server: tuple[str, list[dict[str, object]]]) -> None:
    url, seen = server
    bot = Bot("123:abc", base_url=url + "/bot", request=AiohttpRequest())
    async with bot.request:  # type: ignore[attr-defined]
        assert await bot.delete_webhook() is True
    assert seen[0]["method"] == "POST"

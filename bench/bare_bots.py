"""The bare frameworks the inbound benchmark measures the bot against: echo bots
behind an aiohttp webhook, as small as each framework allows.

    python -m bench.bare_bots ptb|ptb-concurrent|ptb-aiohttp|ptb-aiohttp-concurrent|aiogram
        --api-url URL --token T --secret S

Each prints one JSON line ``{"webhook": URL}`` once it listens (on 127.0.0.1, a free
port) and runs until its stdin closes. The echo is one ``sendMessage`` with the
update's text back to its chat — the least any bot does for an update.

- ``ptb``: python-telegram-bot with its defaults (HTTPX, updates one at a time);
- ``ptb-concurrent``: the same with ``concurrent_updates(64)``;
- ``ptb-aiohttp``, ``ptb-aiohttp-concurrent``: the same two on
  ``bot.channels.telegram.request.AiohttpRequest`` (the bot's own request layer);
- ``aiogram``: aiogram 3 with its ``SimpleRequestHandler`` (handling in background,
  the reply a Bot API call, not the webhook's response).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/webhook"
NAMES = ("ptb", "ptb-concurrent", "ptb-aiohttp", "ptb-aiohttp-concurrent", "aiogram")

Cleanup = Callable[[], Awaitable[None]]


async def _ptb(app: web.Application, args: argparse.Namespace) -> Cleanup:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    from bot.channels.telegram.request import AiohttpRequest

    builder = ApplicationBuilder().token(args.token).base_url(args.api_url).updater(None)
    if "aiohttp" in args.name:
        builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest())
    if args.name.endswith("concurrent"):
        builder = builder.concurrent_updates(64)
    application = builder.build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    application.add_handler(MessageHandler(filters.TEXT, echo))

    async def receive(request: web.Request) -> web.Response:
        if request.headers.get(SECRET_HEADER) != args.secret:
            return web.Response(status=403)
        update = Update.de_json(await request.json(), application.bot)
        await application.update_queue.put(update)
        return web.Response(text="ok")

    app.router.add_post(PATH, receive)
    await application.initialize()
    await application.start()

    async def cleanup() -> None:
        await application.stop()
        await application.shutdown()

    return cleanup


async def _aiogram(app: web.Application, args: argparse.Namespace) -> Cleanup:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    # The fake serves ``…/bot<token>/<method>`` like Telegram: aiogram's pattern.
    base = args.api_url.rstrip("/").rsplit("/bot", 1)[0]
    session = AiohttpSession(api=TelegramAPIServer.from_base(base))
    bot = Bot(args.token, session=session)
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    SimpleRequestHandler(dispatcher, bot, secret_token=args.secret).register(app, path=PATH)

    async def cleanup() -> None:
        await bot.session.close()

    return cleanup


async def serve(args: argparse.Namespace) -> None:
    app = web.Application()
    setup = _aiogram if args.name == "aiogram" else _ptb
    cleanup = await setup(app, args)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    say({"webhook": f"http://127.0.0.1:{port}{PATH}"})
    try:
        await wait_for_stdin_to_close()
    finally:
        await runner.cleanup()
        await cleanup()


async def wait_for_stdin_to_close() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while await reader.read(4096):
        pass


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", choices=NAMES)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--secret", required=True)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()

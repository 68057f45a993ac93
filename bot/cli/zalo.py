"""``nhacviec webhook … --channel zalo``: the Zalo Bot Platform's webhook."""

from __future__ import annotations

import json

from bot.channels.zalo.channel import webhook_address
from bot.channels.zalo.client import ZaloClient, ZaloError
from bot.cli import CommandError
from bot.config import Settings


async def webhook(settings: Settings, action: str) -> None:
    if not settings.zalo_token:
        raise CommandError("NHACVIEC_ZALO_TOKEN is not set")
    try:
        await _webhook(settings, settings.zalo_token, action)
    except ZaloError as error:  # its text names the method, never the token
        raise CommandError(f"The Zalo platform refused: {error}") from None


async def _webhook(settings: Settings, token: str, action: str) -> None:
    async with ZaloClient(token, api_url=settings.zalo_api_url) as client:
        if action == "set":
            if not (settings.webhook_url and settings.zalo_secret):
                raise CommandError("set NHACVIEC_WEBHOOK_URL and NHACVIEC_ZALO_WEBHOOK_SECRET "
                                   "(or NHACVIEC_WEBHOOK_SECRET) first")
            await client.set_webhook(webhook_address(settings.webhook_url), settings.zalo_secret)
            print(f"Webhook set: {webhook_address(settings.webhook_url)}")
        elif action == "delete":
            await client.delete_webhook()
            print("Webhook deleted: the bot can poll again.")
        else:
            info = await client.get_webhook_info()
            print(json.dumps(info, ensure_ascii=False, indent=2))

"""``nhacviec invite`` and ``nhacviec webhook``: onboarding links, the Telegram webhook."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from typing import Any

from bot.app import App
from bot.channels.telegram.channel import ALLOWED_UPDATES, build_bot, webhook_address
from bot.cli import CommandError, find_unit
from bot.config import Settings


def add_parsers(commands: Any) -> None:
    invite = commands.add_parser("invite", help="a one-time invite for a unit")
    invite.add_argument("--unit", required=True, help="a unit's name or abbreviation")
    invite.add_argument("--uses", type=int, default=1, help="how many people may use it")
    invite.add_argument("--expires", default="7d",
                        help="lifetime: 30m, 12h, 7d, or never (default 7d)")

    webhook = commands.add_parser("webhook", help="the Telegram (or Zalo) webhook")
    webhook.add_argument("action", choices=("set", "delete", "info"))
    webhook.add_argument("--channel", choices=("telegram", "zalo"), default="telegram")


_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


def _lifetime(text: str) -> timedelta | None:
    if text == "never":
        return None
    number, unit = text[:-1], text[-1:]
    if not number.isdigit() or unit not in _UNITS or int(number) == 0:
        raise CommandError(f"--expires must look like 30m, 12h, 7d or never, got {text!r}")
    return int(number) * _UNITS[unit]


async def _bot_username(settings: Settings) -> str | None:
    if not settings.telegram_token:
        return None
    async with build_bot(settings.telegram_token, settings.telegram_api_url) as bot:
        return bot.username


async def invite(app: App, args: argparse.Namespace) -> None:
    if args.uses < 1:
        raise CommandError("--uses must be at least 1")
    unit_id = find_unit(app, args.unit)
    invite = await app.usecases.onboarding.create_invite(
        unit_id, created_by="cli", now=app.clock(), uses=args.uses,
        lifetime=_lifetime(args.expires))
    print(f"Unit:    {app.services.directory.get(unit_id).name}")
    print(f"Code:    {invite.code}")
    print(f"Uses:    {invite.uses}")
    expires = invite.expires_at.astimezone(app.settings.timezone).isoformat(timespec="minutes") \
        if invite.expires_at else "never"
    print(f"Expires: {expires}")
    username = await _bot_username(app.settings)
    if username:
        print(f"Link:    https://t.me/{username}?start={invite.code}")
    else:
        print("Link:    (set NHACVIEC_TELEGRAM_TOKEN to print the Telegram link)")
    print(f"Or send the bot: /start {invite.code}")


async def webhook(settings: Settings, action: str) -> None:
    if not settings.telegram_token:
        raise CommandError("NHACVIEC_TELEGRAM_TOKEN is not set")
    async with build_bot(settings.telegram_token, settings.telegram_api_url) as bot:
        if action == "set":
            if not (settings.webhook_url and settings.webhook_secret):
                raise CommandError("set NHACVIEC_WEBHOOK_URL and NHACVIEC_WEBHOOK_SECRET first")
            await bot.set_webhook(webhook_address(settings.webhook_url),
                                  secret_token=settings.webhook_secret,
                                  allowed_updates=ALLOWED_UPDATES)
            print(f"Webhook set: {webhook_address(settings.webhook_url)}")
        elif action == "delete":
            await bot.delete_webhook()
            print("Webhook deleted: the bot can poll again.")
        else:
            info = await bot.get_webhook_info()
            print(json.dumps({"url": info.url, "pending_update_count": info.pending_update_count,
                              "last_error_message": info.last_error_message,
                              "allowed_updates": list(info.allowed_updates or ())},
                             ensure_ascii=False, indent=2))

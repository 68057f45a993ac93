"""The ``nhacviec`` command.

    nhacviec run                      start the bot (no token: the local terminal chat)
    nhacviec chat [--unit U|--admin]  the local terminal chat
    nhacviec due --unit U [--month YYYY-MM] [--json]
    nhacviec units list|resolve       the unit directory
    nhacviec invite --unit U [--uses N] [--expires 7d]
    nhacviec webhook set|delete|info  the Telegram webhook
    nhacviec reminders preview|set    the reminder schedule, per-unit settings
    nhacviec calendar list|off|work|remove   extra days off, make-up working days
    nhacviec db upgrade               migrate the database
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot import cli_reminders
from bot.agenda import AgendaItem
from bot.app import App, running_app, utc_now
from bot.calendar import Month
from bot.channels.local import Persona, TerminalChat, read_stdin
from bot.channels.telegram.channel import ALLOWED_UPDATES, build_bot, webhook_address
from bot.config import Settings, SettingsError
from bot.i18n import translator
from bot.logs import configure_logging
from bot.members import MemberRole
from bot.rich import to_plain
from bot.runner import Service
from bot.scheduler import ReminderScheduler
from handlers.due_view import View, render_agenda
from storage.migrate import upgrade


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nhacviec", description="Nhắc việc bot")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the bot")
    run.add_argument("--local", action="store_true", help="the local chat even with tokens")
    chat = commands.add_parser("chat", help="chat with the bot in the terminal")
    for command in (run, chat):
        who = command.add_mutually_exclusive_group()
        who.add_argument("--unit", help="talk as an officer of this unit")
        who.add_argument("--admin", action="store_true", help="talk as an administrator")
        command.add_argument("--lang", choices=("vi", "en"), help="language of the chat")

    due = commands.add_parser("due", help="what a unit is due for in a month")
    due.add_argument("--unit", required=True, help="a unit's name or abbreviation")
    due.add_argument("--month", help="YYYY-MM (default: this month)")
    due.add_argument("--today", help="YYYY-MM-DD, for what counts as overdue (default: today)")
    due.add_argument("--lang", choices=("vi", "en"))
    due.add_argument("--json", action="store_true")

    units = commands.add_parser("units", help="the unit directory")
    unit_commands = units.add_subparsers(dest="units_command", required=True)
    listing = unit_commands.add_parser("list", help="list every unit")
    listing.add_argument("--json", action="store_true")
    resolve = unit_commands.add_parser("resolve", help="rank the units matching a name")
    resolve.add_argument("query")
    resolve.add_argument("--limit", type=int, default=5)
    resolve.add_argument("--json", action="store_true")

    invite = commands.add_parser("invite", help="a one-time invite for a unit")
    invite.add_argument("--unit", required=True, help="a unit's name or abbreviation")
    invite.add_argument("--uses", type=int, default=1, help="how many people may use it")
    invite.add_argument("--expires", default="7d",
                        help="lifetime: 30m, 12h, 7d, or never (default 7d)")

    webhook = commands.add_parser("webhook", help="the Telegram webhook")
    webhook.add_argument("action", choices=("set", "delete", "info"))

    cli_reminders.add_parsers(commands)

    db = commands.add_parser("db", help="the database")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the migrations")
    return parser


class CommandError(Exception):
    """A user mistake on the command line: printed, exit status 1."""


def _unit_id(app: App, name: str) -> str:
    unit_id = app.services.resolve_unit(name)
    if unit_id is None:
        suggestions = ", ".join(m.name for m in app.services.rank_units(name, limit=3))
        hint = f" Did you mean: {suggestions}?" if suggestions else ""
        raise CommandError(f"No unit matches {name!r}.{hint}")
    return unit_id


def _item_json(item: AgendaItem) -> dict[str, Any]:
    return {
        "task_id": item.task.code,
        "plan_id": item.plan_id,
        "title": item.task.title,
        "role": item.role.value,
        "kind": item.kind.value,
        "due": item.due.isoformat() if item.due else None,
        "until": item.until.isoformat() if item.until else None,
        "deadline_text": item.task.deadline_text,
        "section": item.task.section,
        "done": item.done,
    }


def _month(text: str | None, today: date) -> Month:
    if text is None:
        return Month.of(today)
    try:
        year, month = (int(part) for part in text.split("-"))
        return Month(year, month)
    except ValueError:
        raise CommandError(f"--month must be YYYY-MM, got {text!r}") from None


def _today(app: App, text: str | None) -> date:
    if text is None:
        return app.clock().astimezone(app.settings.timezone).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--today must be YYYY-MM-DD, got {text!r}") from None


async def _due(app: App, args: argparse.Namespace) -> None:
    today = _today(app, args.today)
    month = _month(args.month, today)
    unit_id = _unit_id(app, args.unit)
    agenda = await app.services.agenda(unit_id, month, today)
    if args.json:
        print(json.dumps([_item_json(i) for i in agenda.items], ensure_ascii=False, indent=2))
    else:
        language = args.lang or app.settings.default_language
        view = View(translator(language), app.services.directory,
                    app.services.workdays(language))
        print(to_plain(render_agenda(agenda, view)))


def _units(app: App, args: argparse.Namespace) -> None:
    directory = app.services.directory
    if args.units_command == "list":
        rows = [{"id": u.id, "name": u.name, "kind": u.kind.value,
                 "abbreviations": list(u.abbreviations), "aliases": list(u.aliases),
                 "merged_into": u.merged_into, "active": u.active,
                 "members": sorted(directory.expand(u.id)) if u.is_collective else None}
                for u in directory]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for row in rows:
                print(f"{row['id']:<28} {row['kind']:<12} {row['name']}")
        return
    matches = app.services.rank_units(args.query, limit=args.limit, include_collectives=True)
    if args.json:
        print(json.dumps([{"id": m.unit_id, "name": m.name, "score": round(m.score, 1),
                           "matched": m.matched, "collective": m.is_collective}
                          for m in matches], ensure_ascii=False, indent=2))
    elif not matches:
        print(f"No unit matches {args.query!r}.")
    else:
        for m in matches:
            print(f"{m.score:5.1f}  {m.unit_id:<28} {m.name}  (≈ {m.matched})")


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


async def _invite(app: App, args: argparse.Namespace) -> None:
    if args.uses < 1:
        raise CommandError("--uses must be at least 1")
    unit_id = _unit_id(app, args.unit)
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


async def _webhook(settings: Settings, action: str) -> None:
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


async def _serve(app: App) -> None:
    """Run on the messengers until SIGTERM or Ctrl-C; stop cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await Service(app).run_until(stop)


def _persona(app: App, args: argparse.Namespace) -> Persona | None:
    if getattr(args, "admin", False):
        return Persona(MemberRole.ADMIN)
    if getattr(args, "unit", None):
        return Persona(MemberRole.OFFICER, _unit_id(app, args.unit))
    return None


async def _chat(app: App, args: argparse.Namespace) -> None:
    chat = TerminalChat(app, read_stdin, print, language=args.lang)
    # Reminders come due here too: the terminal is a channel like any other.
    scheduler = ReminderScheduler(app, {"local": chat})
    await scheduler.start()
    try:
        await chat.run(_persona(app, args))
    finally:
        await scheduler.stop()


async def _main(args: argparse.Namespace, settings: Settings) -> None:
    if args.command == "db":
        await upgrade(settings.database_url)
        print("Database is up to date.")
        return
    if args.command == "webhook":
        await _webhook(settings, args.action)
        return
    async with running_app(settings, clock=utc_now) as app:
        if args.command == "run" and settings.telegram_token and not args.local:
            await _serve(app)
        elif args.command in ("run", "chat"):
            await _chat(app, args)
        elif args.command == "invite":
            await _invite(app, args)
        elif args.command == "reminders" and args.reminders_command == "preview":
            await cli_reminders.preview(app, args)
        elif args.command == "reminders":
            await cli_reminders.set_unit(app, args)
        elif args.command == "calendar":
            await cli_reminders.calendar(app, args)
        elif args.command == "due":
            await _due(app, args)
        elif args.command == "units":
            _units(app, args)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_environ(os.environ, env_file=Path(".env"))
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level,
                      secrets=(settings.telegram_token, settings.webhook_secret))
    try:
        asyncio.run(_main(args, settings))
    except (CommandError, cli_reminders.CommandError) as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The ``nhacviec`` command.

    nhacviec run [--clock WHEN]       start the bot (no token, or --local: the web chat)
    nhacviec chat [--unit U|--admin]  the local terminal chat
    nhacviec due --unit U [--month YYYY-MM] [--json]
    nhacviec units list|resolve       the unit directory
    nhacviec units add|rename|merge|deactivate|activate   edit it
    nhacviec audit [--limit N] [--json]   the latest admin actions
    nhacviec invite --unit U [--uses N] [--expires 7d]
    nhacviec webhook set|delete|info [--channel zalo]   the Telegram (or Zalo) webhook
    nhacviec reminders preview|set    the reminder schedule, per-unit settings
    nhacviec calendar list|off|work|remove   extra days off, make-up working days
    nhacviec broadcast --to all|groups|unit:U|kind:K --text T [--dry-run]
    nhacviec report [--cycle YYYY-MM-DD] [--unit U] [--xlsx F] [--csv F] [--docx F] [--json]
    nhacviec plan parse FILE [--json] read a plan's document (or a corrected .json/.yaml)
    nhacviec plan import FILE         store it as a new plan, inactive
    nhacviec plan list|show ID|activate ID|deactivate ID   the plans
    nhacviec db upgrade               migrate the database
    nhacviec backup FILE [--force]    copy the SQLite database, while the bot runs
    nhacviec restore FILE --yes       put a backup in place, then migrate it
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from bot.app import App, Clock, running_app, utc_now
from bot.channels.local import Persona, TerminalChat, read_stdin
from bot.channels.web import DemoClock, WebChat
from bot.cli import (
    CommandError,
    admin,
    backup,
    broadcast,
    directory,
    find_unit,
    plans,
    reminders,
    report,
    telegram,
    zalo,
)
from bot.config import Settings, SettingsError
from bot.i18n import translator
from bot.logs import configure_logging
from bot.members import MemberRole
from bot.runner import Service
from bot.scheduler import ReminderScheduler
from storage.migrate import upgrade


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nhacviec", description="Nhắc việc bot")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the bot")
    run.add_argument("--local", action="store_true",
                     help="the local web chat even with tokens (the messengers stay off)")
    run.add_argument("--clock", type=_local_moment, metavar="YYYY-MM-DDTHH:MM",
                     help="the web chat's demo clock starts here (default: now)")
    chat = commands.add_parser("chat", help="chat with the bot in the terminal")
    for command in (run, chat):
        who = command.add_mutually_exclusive_group()
        who.add_argument("--unit", help="talk as an officer of this unit")
        who.add_argument("--admin", action="store_true", help="talk as an administrator")
        command.add_argument("--lang", choices=("vi", "en"), help="language of the chat")

    directory.add_parsers(commands)
    telegram.add_parsers(commands)
    reminders.add_parsers(commands)
    broadcast.add_parsers(commands)
    report.add_parsers(commands)
    admin.add_parsers(commands)
    plans.add_parsers(commands)
    backup.add_parsers(commands)

    db = commands.add_parser("db", help="the database")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the migrations")
    return parser


def _local_moment(raw: str) -> datetime:
    try:
        return datetime.fromisoformat(raw.replace(" ", "T"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date and time: {raw!r}") from None


async def _serve(app: App, web: WebChat | None = None) -> None:
    """Run on the messengers (or the web chat) until SIGTERM or Ctrl-C; stop cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await Service(app, web=web).run_until(stop)


def web_mode(args: argparse.Namespace, settings: Settings) -> bool:
    """``nhacviec run`` serves the local web chat with no messenger token, or when
    told ``--local``."""
    return args.command == "run" and (
        args.local or not (settings.telegram_token or settings.zalo_token))


def local_settings(settings: Settings) -> Settings:
    """The web chat's settings: no messenger runs beside it, since it runs on the demo
    clock and Telegram and Zalo must only ever see the real one."""
    return replace(settings, telegram_token=None, zalo_token=None)


def demo_clock(args: argparse.Namespace, settings: Settings) -> DemoClock:
    start = getattr(args, "clock", None)
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=settings.timezone)
    return DemoClock(start)




def _persona(app: App, args: argparse.Namespace) -> Persona | None:
    if getattr(args, "admin", False):
        return Persona(MemberRole.ADMIN)
    if getattr(args, "unit", None):
        return Persona(MemberRole.OFFICER, find_unit(app, args.unit))
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
    if args.command == "backup":
        await backup.backup(settings, args)
        return
    if args.command == "restore":
        await backup.restore(settings, args)
        return
    if args.command == "webhook":
        if args.channel == "zalo":
            await zalo.webhook(settings, args.action)
        else:
            await telegram.webhook(settings, args.action)
        return
    local = web_mode(args, settings)
    clock: Clock = utc_now
    if local:
        settings, clock = local_settings(settings), demo_clock(args, settings)
    async with running_app(settings, clock=clock) as app:
        if local:
            t = translator(args.lang or settings.default_language)
            await _serve(app, WebChat(app, announce=lambda url: print(t.gettext(
                "Nhắc việc web chat: open {url} in a browser (Ctrl-C stops).").format(
                    url=url), flush=True)))
        elif args.command == "run":
            await _serve(app)
        elif args.command == "chat":
            await _chat(app, args)
        elif args.command == "invite":
            await telegram.invite(app, args)
        elif args.command == "reminders" and args.reminders_command == "preview":
            await reminders.preview(app, args)
        elif args.command == "reminders":
            await reminders.set_unit(app, args)
        elif args.command == "calendar":
            await reminders.calendar(app, args)
        elif args.command == "due":
            await directory.due(app, args)
        elif args.command == "report":
            await report.report(app, args)
        elif args.command == "units" and args.units_command in admin.EDITS:
            await admin.edit_unit(app, args)
        elif args.command == "units":
            directory.units(app, args)
        elif args.command == "broadcast":
            await broadcast.broadcast(app, args)
        elif args.command == "audit":
            await admin.audit(app, args)
        elif args.command == "plan":
            await plans.plan(app, args)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_environ(os.environ, env_file=Path(".env"))
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, secrets=settings.secrets,
                      log_format=settings.log_format)
    try:
        asyncio.run(_main(args, settings))
    except CommandError as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`nhacviec plan parse … --json | head`): not an error.
        # Python would complain again when flushing stdout at exit; point it nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

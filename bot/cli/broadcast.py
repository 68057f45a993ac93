"""``nhacviec broadcast``: an instruction from the shell, to the same audiences as in
chat, through the same outbox (rate limits, retries, crash safety).

    nhacviec broadcast --to all|groups|unit:"<unit>"|kind:<kind> --text "<text>" [--dry-run]

It prints the audience, then — unless ``--dry-run`` — sends what this process can
(Telegram with a token, the local chat always), showing progress, and prints the
outcome with who could not be reached. Messages for a channel not running here stay
queued for the running bot.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

from bot.app import App
from bot.audience import Audience, AudienceKind, unit_kind_named
from bot.channels.local import TerminalChat
from bot.channels.telegram.channel import TelegramChannel
from bot.cli import CommandError, find_unit
from bot.i18n import translator
from bot.outbox import OutboxChannel, OutboxWorker
from bot.rich import to_plain
from bot.scheduler import worker_name
from bot.usecases.broadcasts import MAX_TEXT, Content, Reach, SendResult
from handlers.broadcast_view import audience_label, progress_card
from storage.broadcasts import group_key

PROGRESS_EVERY = 2.0  # seconds between progress lines
IDLE = 1.0  # seconds to wait when everything left is waiting for a retry


def add_parsers(commands: Any) -> None:
    broadcast = commands.add_parser("broadcast", help="send an instruction to many at once")
    broadcast.add_argument("--to", action="append", required=True, metavar="AUDIENCE",
                           help='all, groups, unit:"<unit>" (repeatable) or kind:<kind> '
                                "(department, locality, expert_team, other)")
    broadcast.add_argument("--text", required=True, help="the instruction")
    broadcast.add_argument("--from", dest="sender", default="",
                           help="who it is from, as recipients see it")
    broadcast.add_argument("--dry-run", action="store_true",
                           help="print the audience and send nothing")
    broadcast.add_argument("--lang", choices=("vi", "en"))


def parse_audience(app: App, targets: list[str]) -> Audience:
    """``--to`` values → one audience; unit names go through the unit matcher."""
    units: list[str] = []
    others: list[Audience] = []
    for target in targets:
        head, _, value = target.partition(":")
        match head.strip().lower():
            case "all" if not value:
                others.append(Audience(AudienceKind.EVERYONE))
            case "groups" if not value:
                others.append(Audience(AudienceKind.GROUPS))
            case "unit" if value.strip():
                units.append(find_unit(app, value.strip().strip('"')))
            case "kind" if value.strip():
                kind = unit_kind_named(value)
                if kind is None:
                    raise CommandError(f"--to kind: unknown kind {value!r}; use department, "
                                       "locality, expert_team or other")
                others.append(Audience(AudienceKind.UNIT_KIND, unit_kind=kind))
            case _:
                raise CommandError(f"--to {target!r}: expected all, groups, unit:<unit> or "
                                   "kind:<kind>")
    if units and not others:
        return Audience(AudienceKind.UNITS, units=tuple(dict.fromkeys(units)))
    if len(others) == 1 and not units:
        return others[0]
    raise CommandError("--to: give one of all, groups or kind:<kind>, or any number of "
                       "unit:<unit>")


def _reach_text(reach: Reach) -> str:
    channels = ", ".join(f"{name} {count}" for name, count in sorted(reach.by_channel.items()))
    return f"{reach.people} people, {reach.groups} groups" + (f" ({channels})" if channels
                                                              else "")


async def broadcast(app: App, args: argparse.Namespace) -> None:
    text = args.text.strip()
    if not text or len(text) > MAX_TEXT:
        raise CommandError(f"--text must be 1 to {MAX_TEXT} characters")
    audience = parse_audience(app, args.to)
    language = args.lang or app.settings.default_language
    t = translator(language)
    broadcasts = app.usecases.broadcasts
    reach = await broadcasts.reach(audience)
    print(f"Audience: {audience_label(audience, app.services.directory, t)}: "
          f"{_reach_text(reach)}")
    if args.dry_run:
        print("Dry run: nothing was sent.")
        return
    now = app.clock()
    draft = await broadcasts.draft(Content(text, None, args.sender.strip()), creator=None,
                                   actor="cli", language=language, now=now)
    await broadcasts.choose(draft.id, audience)
    result = await broadcasts.send(draft.id, now=now)
    if result is SendResult.NOBODY:
        await broadcasts.cancel(draft.id, by="cli", now=now)
        raise CommandError("Nobody can be reached with this audience: nothing was sent.")
    await app.usecases.audit.record(actor="cli", action="broadcast.send", at=now,
                                    target=str(draft.id), detail=audience.to_dict())
    print(f"Notice #{draft.id} queued: {reach.total} messages.")
    async with _channels(app) as channels:
        await _drain(app, draft.id, channels)
    await _outcome(app, draft.id)


@contextlib.asynccontextmanager
async def _channels(app: App) -> Any:
    """The channels this process can send on: the local chat, and Telegram with a
    token (its library started for sending only, not for receiving)."""
    channels: dict[str, OutboxChannel] = {
        "local": TerminalChat(app, _no_input, lambda line: print(line))}
    telegram: TelegramChannel | None = None
    if app.settings.telegram_token:
        telegram = TelegramChannel(app, webhook=True)
        await telegram.application.initialize()
        channels["telegram"] = telegram
    try:
        yield channels
    finally:
        if telegram is not None:
            await telegram.application.shutdown()


async def _no_input(prompt: str) -> str | None:
    return None


async def _drain(app: App, broadcast_id: int, channels: Mapping[str, OutboxChannel]) -> None:
    worker = OutboxWorker(app.sessions, channels, clock=app.clock, owner=worker_name(),
                          rate_per_second=app.settings.outbox_rate,
                          group_key=group_key(broadcast_id))
    broadcasts = app.usecases.broadcasts
    loop = asyncio.get_running_loop()
    shown, last = "", 0.0
    while True:
        handled = await worker.drain()
        progress = await broadcasts.progress(broadcast_id, list(channels))
        line = f"sent {progress.sent}, failed {progress.failed}, left {progress.remaining}"
        if line != shown and (loop.time() - last >= PROGRESS_EVERY or not progress.remaining):
            print(line, flush=True)
            shown, last = line, loop.time()
        if not progress.remaining:
            return
        if not handled:
            await asyncio.sleep(IDLE)  # what is left waits for a retry


async def _outcome(app: App, broadcast_id: int) -> None:
    broadcasts = app.usecases.broadcasts
    progress = await broadcasts.progress(broadcast_id)
    if progress.remaining:
        print(f"{progress.remaining} messages for channels not running here stay queued "
              "for the running bot.")
    else:
        await broadcasts.finish(broadcast_id, app.clock())
    done = await broadcasts.get(broadcast_id)
    assert done is not None
    # Still "sending" while messages wait for the running bot's other channels.
    card = progress_card(done, progress, app.services.directory,
                         final=not progress.remaining,
                         unreachable=await broadcasts.unreachable(broadcast_id))
    print(to_plain(card.body))

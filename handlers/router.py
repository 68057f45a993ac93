"""The conversation layer's entry point: one neutral message in, neutral replies out.

Every channel calls ``Router.handle``. Commands are registered here, in one place,
in the order a reader would look for them; free text goes through intent detection.
No exception reaches a user as silence: it is logged and answered politely.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.intents import AskDue, AskHelp, AskOverdue, detect_intent
from bot.messages import Incoming, Reply
from bot.rich import plain
from bot.services import Services
from handlers.commands import parse_command
from handlers.context import Context
from handlers.due import due_choice, due_command, due_intent, overdue_command, tasks_command
from handlers.help import help_command, start_command, units_command

log = logging.getLogger(__name__)

CommandHandler = Callable[[Context, str], Awaitable[list[Reply]]]

# Vietnamese aliases beside the English names: officers type what they say.
COMMANDS: dict[str, CommandHandler] = {
    "start": start_command,
    "help": help_command,
    "huongdan": help_command,
    "due": due_command,
    "han": due_command,
    "overdue": overdue_command,
    "quahan": overdue_command,
    "tasks": tasks_command,
    "nhiemvu": tasks_command,
    "units": units_command,
    "donvi": units_command,
}

CHOICES: dict[str, CommandHandler] = {
    "due": due_choice,
}

# Longer than any real question; a 100 KB paste is refused before any parsing.
MAX_TEXT_LENGTH = 4096


class Router:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def handle(self, incoming: Incoming) -> list[Reply]:
        member = await self.services.member(incoming.channel, incoming.user_id)
        now = incoming.received_at.astimezone(self.services.settings.timezone)
        ctx = Context(incoming, member, self.services, now)
        try:
            return await self._dispatch(ctx)
        except Exception:
            log.exception("handler failed for %s message from %s:%s", incoming.channel,
                          incoming.channel, incoming.user_id)
            return [Reply(plain(ctx._("Sorry, something went wrong. Please try again.")))]

    async def _dispatch(self, ctx: Context) -> list[Reply]:
        incoming = ctx.incoming
        if incoming.choice is not None:
            handler = CHOICES.get(incoming.choice.split(":", 1)[0])
            if handler is None:
                return [Reply(plain(ctx._("This button is no longer valid.")))]
            return await handler(ctx, incoming.choice)
        text = incoming.text.strip()
        if len(text) > MAX_TEXT_LENGTH:
            return [Reply(plain(ctx._("That message is too long for me. Please keep it short.")))]
        if command := parse_command(text):
            handler = COMMANDS.get(command.name)
            if handler is None:
                return [Reply(plain(ctx._("Unknown command. Send /help to see what I can do.")))]
            return await handler(ctx, command.args)
        return await self._free_text(ctx, text)

    async def _free_text(self, ctx: Context, text: str) -> list[Reply]:
        match detect_intent(text, ctx.today):
            case AskDue() as intent:
                return await due_intent(ctx, intent)
            case AskOverdue():
                return await overdue_command(ctx, "")
            case AskHelp():
                return await help_command(ctx, "")
        return [Reply(plain(ctx._(
            "I did not understand. Try “tháng này phải làm gì” or send /help.")))]

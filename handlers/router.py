"""The conversation layer's entry point: one neutral message in, neutral replies out.

Every channel calls ``Router.handle``. Commands and buttons are registered here, in
one place, in the order a reader would look for them; a chat waiting for an answer
("which unit?", "the update text") gets the next plain message; other free text goes
through intent detection. No exception reaches a user as silence: it is logged and
answered politely.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from bot import metrics
from bot.intents import AskDue, AskHelp, AskOverdue, detect_intent
from bot.messages import ChatKind, Incoming, Reply
from bot.ports import ChannelPort, PlainPort
from bot.rich import plain
from bot.throttle import Throttle, Verdict
from bot.usecases import UseCases
from bot.usecases.conversations import Step
from handlers import (
    audit,
    broadcast,
    broadcast_audience,
    groups,
    join_requests,
    links,
    member_actions,
    members,
    onboarding,
    plans,
    progress,
    reminders,
    report,
    units_admin,
)
from handlers.commands import parse_command
from handlers.context import Context
from handlers.due import due_choice, due_command, due_intent, overdue_command, tasks_command
from handlers.help import help_command

log = logging.getLogger(__name__)

CommandHandler = Callable[[Context, str], Awaitable[list[Reply]]]
StepHandler = Callable[[Context, Step, str], Awaitable[list[Reply]]]

# Vietnamese aliases beside the English names: officers type what they say.
COMMANDS: dict[str, CommandHandler] = {
    "start": onboarding.start_command,
    "help": help_command,
    "huongdan": help_command,
    "due": due_command,
    "han": due_command,
    "overdue": overdue_command,
    "quahan": overdue_command,
    "tasks": tasks_command,
    "nhiemvu": tasks_command,
    "update": progress.update_command,
    "capnhat": progress.update_command,
    "history": progress.history_command,
    "lichsu": progress.history_command,
    "cancel": progress.cancel_command,
    "huy": progress.cancel_command,
    "units": units_admin.units_command,  # a list for everyone; admins: add, rename …
    "donvi": units_admin.units_command,
    "invite": onboarding.invite_command,
    "moi": onboarding.invite_command,
    "whoami": onboarding.whoami_command,
    "toila": onboarding.whoami_command,
    "leave": onboarding.leave_command,
    "roi": onboarding.leave_command,
    "lang": onboarding.lang_command,
    "ngonngu": onboarding.lang_command,
    "link": links.link_command,
    "lienket": links.link_command,
    "unlink": links.unlink_command,
    "huylienket": links.unlink_command,
    "kenh": links.channel_command,
    "channel": links.channel_command,
    "reminders": reminders.reminders_command,
    "lichnhac": reminders.reminders_command,
    "mute": reminders.mute_command,
    "tatnhac": reminders.mute_command,
    "unmute": reminders.unmute_command,
    "batnhac": reminders.unmute_command,
    "away": reminders.away_command,
    "vang": reminders.away_command,
    "dayoff": reminders.dayoff_command,
    "nghibu": reminders.dayoff_command,
    "workday": reminders.workday_command,
    "lambu": reminders.workday_command,
    "bind": groups.bind_command,
    "ganketnhom": groups.bind_command,
    "unbind": groups.unbind_command,
    # --- broadcasts
    "broadcast": broadcast.broadcast_command,
    "thongbao": broadcast.broadcast_command,
    "broadcasts": broadcast.broadcasts_command,
    "dsthongbao": broadcast.broadcasts_command,
    # --- reports
    "report": report.report_command,
    "baocao": report.report_command,
    # --- administration
    "members": members.members_command,
    "thanhvien": members.members_command,
    "promote": member_actions.promote_command,
    "capquyen": member_actions.promote_command,
    "demote": member_actions.demote_command,
    "haquyen": member_actions.demote_command,
    "remove": member_actions.remove_command,
    "xoathanhvien": member_actions.remove_command,
    "requests": join_requests.requests_command,
    "yeucau": join_requests.requests_command,
    "audit": audit.audit_command,
    "nhatky": audit.audit_command,
    "plans": plans.plans_command,
    "kehoach": plans.plans_command,
}

# In a group the bot answers only what makes sense for everyone in it.
GROUP_COMMANDS = frozenset({"start", "help", "huongdan", "due", "han", "overdue", "quahan",
                            "tasks", "nhiemvu", "units", "donvi", "bind", "ganketnhom",
                            "unbind"})

# Button data is "<prefix>:…"; each handler re-checks that the presser may do it.
CHOICES: dict[str, CommandHandler] = {
    "due": due_choice,
    "join": onboarding.join_choice,
    "jr": onboarding.decision_choice,
    "leave": onboarding.leave_choice,
    "upd": progress.update_choice,
    "undo": progress.undo_choice,
    "bc": broadcast.broadcast_choice,
    # --- reports
    "rep": report.report_choice,
    # --- administration
    "mem": member_actions.member_choice,
    "unit": units_admin.units_choice,
    "plan": plans.plan_choice,
}

STEPS: dict[str, StepHandler] = {
    onboarding.JOIN_STEP: onboarding.unit_name_step,
    progress.UPDATE_STEP: progress.update_text_step,
    broadcast.CONTENT_STEP: broadcast.content_step,
    broadcast_audience.UNITS_STEP: broadcast_audience.unit_search_step,
}

# Longer than any real question; a 100 KB paste is refused before any parsing.
MAX_TEXT_LENGTH = 4096


class Router:
    def __init__(self, app: UseCases, ports: Mapping[str, ChannelPort] | None = None,
                 throttle: Throttle | None = None) -> None:
        self.app = app
        self.ports = dict(ports or {})
        self.throttle = throttle or Throttle()

    def add_port(self, port: ChannelPort) -> None:
        self.ports[port.name] = port

    def admit(self, incoming: Incoming) -> Verdict:
        """The flood check, once per message, as it arrives: the channels ask before
        queueing it in the chat's lane and hand the verdict to ``handle``. A dropped
        message (``DROP``: counted here, as handled) is then never queued, and costs
        no database work. Checked when handled instead, a flood first filled its chat's
        lane to the bound (100 updates held; the answers drain at Telegram's pace of
        about one a second into a chat), every message past it was dropped there with
        a log line each, and the notice came some 20 s late (bench.flood)."""
        if incoming.event:
            return Verdict.ALLOW
        verdict = self.throttle.check(f"{incoming.channel}:{incoming.user_id}",
                                      incoming.received_at)
        if verdict is Verdict.DROP:
            metrics.UPDATES.inc(channel=incoming.channel)
        return verdict

    def dropping(self, channel: str, user_id: str, now: datetime) -> bool:
        """Whether a message from ``user_id`` would be dropped now (counted, as
        ``admit`` counts a drop): the Telegram webhook asks before it decodes the
        update, which is most of what a dropped message costs (bench.flood)."""
        if self.throttle.dropping(f"{channel}:{user_id}", now):
            metrics.UPDATES.inc(channel=channel)
            return True
        return False

    async def handle(self, incoming: Incoming, *,
                     verdict: Verdict | None = None) -> list[Reply]:
        """The replies to ``incoming``; ``verdict`` if ``admit`` was asked already."""
        if verdict is None:
            verdict = self.admit(incoming)
        if verdict is Verdict.DROP:
            return []
        started = time.perf_counter()
        try:
            return await self._handle(incoming, verdict)
        finally:
            # Counted whatever happened (a failed message was handled too; a dropped
            # one was counted by admit); the latency is the conversation layer's, the
            # reply's send not included.
            metrics.UPDATES.inc(channel=incoming.channel)
            metrics.HANDLER_SECONDS.observe(time.perf_counter() - started,
                                            channel=incoming.channel)

    async def _handle(self, incoming: Incoming, verdict: Verdict) -> list[Reply]:
        services = self.app.services
        now = incoming.received_at.astimezone(services.settings.timezone)
        member = await services.member(
            incoming.channel, incoming.user_id,
            private_chat=incoming.chat_id if incoming.chat_kind is ChatKind.PRIVATE else None)
        port = self.ports.get(incoming.channel) or PlainPort(incoming.channel)
        ctx = Context(incoming, member, self.app, port, now)
        if verdict is Verdict.WARN:
            return [Reply(plain(ctx._("You are sending messages very fast. Please wait a "
                                      "minute, then try again.")))]
        try:
            return await self._dispatch(ctx)
        except Exception:
            metrics.HANDLER_ERRORS.inc(channel=incoming.channel)
            log.exception("handler failed for a %s message from user %s", incoming.channel,
                          incoming.user_id)
            return [Reply(plain(ctx._("Sorry, something went wrong. Please try again.")))]

    async def _dispatch(self, ctx: Context) -> list[Reply]:
        incoming = ctx.incoming
        if incoming.event is not None:
            return await groups.chat_event(ctx)
        if incoming.choice is not None:
            handler = CHOICES.get(incoming.choice.split(":", 1)[0])
            if handler is None:
                return [Reply(plain(ctx._("This button is no longer valid.")))]
            return await handler(ctx, incoming.choice)
        text = incoming.text.strip()
        if len(text) > MAX_TEXT_LENGTH:
            return [Reply(plain(ctx._("That message is too long for me. Please keep it short.")))]
        if command := parse_command(text):
            return await self._command(ctx, command.name, command.args)
        if ctx.in_group:
            return []  # conversation in a group is between people, not with the bot
        if onboarding.looks_like_invite(ctx, text):
            # Zalo has no deep links: a newcomer sends the invite code as it is.
            return await onboarding.join_by_code(ctx, text)
        if step := await ctx.conversations.current(incoming, ctx.now):
            handler_for_step = STEPS.get(step.kind)
            if handler_for_step is not None:
                return await handler_for_step(ctx, step, text)
        if incoming.media is not None and incoming.media.kind == "document":
            # A document no question claimed (a /broadcast takes its content first):
            # a plan to import.
            return await plans.document_message(ctx)
        return await self._free_text(ctx, text)

    async def _command(self, ctx: Context, name: str, args: str) -> list[Reply]:
        handler = COMMANDS.get(name)
        if handler is None:
            if ctx.in_group:
                return []  # another bot's command, most likely
            return [Reply(plain(ctx._("Unknown command. Send /help to see what I can do.")))]
        if ctx.in_group and name not in GROUP_COMMANDS:
            return [Reply(plain(ctx._("Please use this command in a private chat with me.")))]
        return await handler(ctx, args)

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

"""/link (/lienket), /unlink (/huylienket), /kenh (/channel): one person on Telegram
and Zalo, whose reminders and notices come once, where they chose."""

from __future__ import annotations

import re

from bot.messages import Reply
from bot.rich import bold, join, plain
from bot.text import fold
from bot.usecases.links import Linked, LinkRefusal, Person
from handlers.context import Context
from handlers.replies import say

CODE = re.compile(r"\d{6}")
# Folded (bot.text.fold): "ca-hai", "cả hai" and "Cả-Hai" all read "ca hai".
BOTH_WORDS = frozenset({"ca hai", "cahai", "both", "all", "tat ca"})
CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo"}


def channel_name(channel: str) -> str:
    return CHANNEL_NAMES.get(channel, channel)


def _private_member(ctx: Context) -> list[Reply] | None:
    if ctx.in_group:
        return say(ctx._("Please use this command in a private chat with me."))
    member = ctx.member
    if member is None or (member.unit_id is None and not member.is_admin):
        return say(ctx._("You are not registered with a unit yet. Send /start to join."))
    return None


async def link_command(ctx: Context, args: str) -> list[Reply]:
    if ctx.in_group:  # the router says so already; a code must never land in a group
        return say(ctx._("Please use this command in a private chat with me."))
    if args.strip():
        return await _redeem(ctx, args.strip())
    if refusal := _private_member(ctx):
        return refusal
    assert ctx.member is not None
    issued = await ctx.links.create_code(ctx.member, ctx.now)
    return [Reply(join([
        plain(ctx._("Your link code: ")) + bold(issued.code),
        plain(ctx._("On your other platform (Telegram or Zalo), send /link {code} to this "
                    "bot. The code works once, for {minutes} minutes.").format(
                        code=issued.code, minutes=10)),
    ]))]


async def _redeem(ctx: Context, code: str) -> list[Reply]:
    if not CODE.fullmatch(code):
        return say(ctx._("A link code has 6 digits, e.g. /link 123456. Send /link on your "
                         "other account to get one."))
    incoming = ctx.incoming
    linked = await ctx.links.redeem(
        code, channel=incoming.channel, user_id=incoming.user_id, chat_id=incoming.chat_id,
        display_name=incoming.display_name, now=ctx.now)
    if linked.refusal is not None:
        return say(_refusal_text(ctx, linked.refusal))
    return say(_linked_text(ctx, linked))


def _refusal_text(ctx: Context, refusal: LinkRefusal) -> str:
    match refusal:
        case LinkRefusal.INVALID_CODE:
            return ctx._("This code is not valid: it is wrong, used or expired. Send /link "
                         "on your other account to get a new one.")
        case LinkRefusal.SAME_CHANNEL:
            return ctx._("This code comes from an account on this same platform. Send it to "
                         "the bot on your other platform (Telegram or Zalo).")
        case LinkRefusal.NOT_A_MEMBER:
            return ctx._("The account that showed this code is no longer a member of a "
                         "unit, so it cannot be linked.")
        case LinkRefusal.OTHER_UNIT:
            return ctx._("Both accounts must be members of the same unit to be linked. Ask "
                         "an admin if one of them is in the wrong unit.")
        case LinkRefusal.ALREADY_LINKED:
            return ctx._("These two accounts are already linked.")


def _linked_text(ctx: Context, linked: Linked) -> str:
    assert linked.member is not None and linked.other is not None
    lines = []
    if linked.joined and linked.member.unit_id is not None:
        name = ctx.services.directory.get(linked.member.unit_id).name
        lines.append(ctx._("You are now a member of {unit}.").format(unit=name))
    lines.append(ctx._("Linked: this account and your {other} account are one person now. "
                       "Reminders and notices go to {channel} only; /kenh to change.").format(
        other=channel_name(linked.other.channel),
        channel=channel_name(linked.push_channel or linked.other.channel)))
    return "\n".join(lines)


async def unlink_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := _private_member(ctx):
        return refusal
    assert ctx.member is not None
    if not await ctx.links.unlink(ctx.member, ctx.now):
        return say(ctx._("This account is not linked to another one."))
    return say(ctx._("Unlinked: this account is on its own again and gets its own "
                     "reminders and notices. /link to link it again."))


def _choice(ctx: Context, person: Person) -> str:
    if person.push_channel is None:
        return ctx._("all your accounts")
    return channel_name(person.push_channel)


async def channel_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := _private_member(ctx):
        return refusal
    member = ctx.member
    assert member is not None
    person = await ctx.links.person(member)
    if not person.linked:
        return say(ctx._("This account is not linked to another one, so your reminders "
                         "come here. To use Telegram and Zalo together, send /link."))
    wanted = fold(args).strip()
    if not wanted:
        return [Reply(join([
            plain(ctx._("Reminders and notices go to: ")) + bold(_choice(ctx, person)),
            plain(ctx._("Your linked accounts:")),
            *[plain(f"• {channel_name(a.channel)} — {a.display_name or a.user_id}"
                    + (ctx._(" (this one)") if a.id == member.id else ""))
              for a in person.accounts],
            plain(ctx._("To change: /kenh zalo, /kenh telegram or /kenh ca-hai (both).")),
        ]))]
    channel = None if wanted in BOTH_WORDS else wanted
    if not await ctx.links.set_push_channel(member, channel):
        choices = ", ".join([*(f"/kenh {c}" for c in person.channels), "/kenh ca-hai"])
        return say(ctx._("You have no linked account there. Choose: {choices}.").format(
            choices=choices))
    person = await ctx.links.person(member)
    return say(ctx._("From now on reminders and notices go to {choice}.").format(
        choice=_choice(ctx, person)))

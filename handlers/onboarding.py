"""Joining a unit: by invite (/start CODE, a deep link) or by asking (/start → the unit's
name → an admin approves). Also /invite, /whoami, /leave and /lang."""

from __future__ import annotations

import re

from bot.i18n import SUPPORTED, format_day, translator
from bot.members import Member, MemberRole
from bot.messages import Address, Option, Reply
from bot.permissions import may_decide_requests
from bot.rich import bold, join, plain
from bot.usecases.conversations import Step
from bot.usecases.onboarding import JoinRequest
from handlers.access import refuse, refuse_unless_admin
from handlers.context import Context
from handlers.help import help_lines
from handlers.members import role_name
from handlers.replies import say

JOIN_STEP = "join.unit_name"
MAX_SUGGESTIONS = 5


def _unit_name(ctx: Context, unit_id: str) -> str:
    return ctx.services.directory.get(unit_id).name


def _welcome(ctx: Context, member: Member) -> list[Reply]:
    assert member.unit_id is not None
    t = translator(member.language or ctx.language)
    text = t.gettext("Welcome! You are now a member of {unit}.").format(
        unit=_unit_name(ctx, member.unit_id))
    return [Reply(join([bold(text), *help_lines(t, member)]))]


async def start_command(ctx: Context, args: str) -> list[Reply]:
    if args.strip():
        return await join_by_code(ctx, args.strip())
    member = ctx.member
    if ctx.in_group:
        return say(ctx._("Hello! A group admin who is also a bot admin can link this group "
                          "to a unit with /bind <unit>, or to the whole province with "
                          "/bind all."))
    if member and member.unit_id:
        return say(ctx._("Welcome back. You are registered with {unit}. Send /help to see "
                          "what I can do.").format(unit=_unit_name(ctx, member.unit_id)))
    if member and member.is_admin:
        return say(ctx._("Welcome back. You are an administrator. Send /help to see what "
                          "I can do."))
    if pending := await ctx.onboarding.pending_request(ctx.incoming.channel,
                                                       ctx.incoming.user_id):
        return say(ctx._("Your request to join {unit} is waiting for an administrator.")
                    .format(unit=_unit_name(ctx, pending.unit_id)))
    await ctx.conversations.expect(ctx.incoming, JOIN_STEP, {}, ctx.now)
    return say(ctx._("Welcome to Nhắc việc! Which unit do you work for? Type its name, "
                      "with or without diacritics (e.g. Sở Tư pháp, so tu phap)."))


# What bot.usecases.onboarding makes: secrets.token_urlsafe(9), twelve characters.
INVITE_CODE = re.compile(r"[A-Za-z0-9_-]{12}")


def looks_like_invite(ctx: Context, text: str) -> bool:
    """A newcomer's message that is an invite code and nothing else."""
    member = ctx.member
    newcomer = member is None or (member.unit_id is None and not member.is_admin)
    return newcomer and INVITE_CODE.fullmatch(text) is not None


async def join_by_code(ctx: Context, code: str) -> list[Reply]:
    incoming = ctx.incoming
    member = await ctx.onboarding.redeem(
        code, channel=incoming.channel, user_id=incoming.user_id, chat_id=incoming.chat_id,
        display_name=incoming.display_name, language=incoming.language_code and ctx.language,
        now=ctx.now)
    if member is None:
        return say(ctx._("This invite is not valid: it may be used up or expired. Send "
                          "/start to ask an administrator instead."))
    await ctx.conversations.done(incoming)
    return _welcome(ctx, member)


async def unit_name_step(ctx: Context, step: Step, text: str) -> list[Reply]:
    """The answer to "which unit do you work for?": offer the closest units."""
    directory = ctx.services.directory
    # A deactivated unit takes no newcomers (a merged one stands for its successor).
    matches = [m for m in ctx.services.rank_units(text, limit=MAX_SUGGESTIONS)
               if directory.get(directory.successor(m.unit_id)).active]
    if not matches:
        return say(ctx._("No unit matches “{name}”. Please type the name again, e.g. "
                          "Sở Tài chính.").format(name=text[:80]))
    options = tuple((Option(m.name, f"join:{m.unit_id}"),) for m in matches)
    none = (Option(ctx._("None of these — type again"), "join:none"),)
    return [Reply(plain(ctx._("Which one is your unit?")), options=(*options, none))]


def request_card(ctx: Context, request: JoinRequest, reader: Member,
                 to: Address | None) -> Reply:
    """A join request with Approve / Reject, in ``reader``'s language; ``to`` None: in
    the current chat (/requests)."""
    t = translator(reader.language)
    body = join([
        bold(t.gettext("Request to join")),
        plain(t.gettext("{name} asks to join {unit}.").format(
            name=request.display_name or request.user_id,
            unit=_unit_name(ctx, request.unit_id))),
        plain(t.gettext("Channel: {channel}, user id {user}").format(
            channel=request.channel, user=request.user_id)),
    ])
    buttons = (Option(t.gettext("✓ Approve"), f"jr:a:{request.id}"),
               Option(t.gettext("✗ Reject"), f"jr:r:{request.id}"))
    return Reply(body, options=(buttons,), to=to)


async def join_choice(ctx: Context, data: str) -> list[Reply]:
    unit_id = data.partition(":")[2]
    if unit_id == "none":
        await ctx.conversations.expect(ctx.incoming, JOIN_STEP, {}, ctx.now)
        return say(ctx._("Type the name of your unit again:"))
    directory = ctx.services.directory
    if unit_id not in directory or directory.get(unit_id).is_collective \
            or not directory.get(directory.successor(unit_id)).active:
        return say(ctx._("This button is no longer valid."))
    if ctx.member and ctx.member.unit_id:
        return say(ctx._("You are already a member of {unit}.").format(
            unit=_unit_name(ctx, ctx.member.unit_id)))
    incoming = ctx.incoming
    request = await ctx.onboarding.request_join(
        channel=incoming.channel, user_id=incoming.user_id, chat_id=incoming.chat_id,
        display_name=incoming.display_name, language=ctx.language, unit_id=unit_id,
        now=ctx.now)
    await ctx.conversations.done(incoming)
    cards = [request_card(ctx, request, decider, Address(decider.channel, decider.chat_id))
             for decider in await ctx.onboarding.deciders(unit_id) if decider.chat_id]
    if not cards:
        note = ctx._("Your request to join {unit} is saved, but no administrator is set up "
                     "yet. Ask your unit for an invite link.")
    else:
        note = ctx._("Your request to join {unit} has been sent to the administrators. "
                     "I will tell you when it is decided.")
    return [Reply(plain(note.format(unit=_unit_name(ctx, unit_id))), edit=True), *cards]


async def decision_choice(ctx: Context, data: str) -> list[Reply]:
    """Approve / Reject, by an admin or a lead of the request's unit. Anyone can forge
    the button: check the presser, at the press, against the request itself."""
    _, verdict, number = [*data.split(":", 2), "", ""][:3]
    member = ctx.member
    refusal = ctx._("Only administrators and the unit's leads can decide join requests.")
    action = "join.approve" if verdict == "a" else "join.reject"
    if member is None or not (member.is_admin or member.role is MemberRole.LEAD):
        return await refuse(ctx, action, refusal, target=f"request:{number[:20]}")
    if verdict not in ("a", "r") or not number.isdigit():
        return say(ctx._("This button is no longer valid."))
    request = await ctx.onboarding.request(int(number))
    if request is None:
        return say(ctx._("This button is no longer valid."))
    unit = ctx.services.directory.successor(request.unit_id)
    if not may_decide_requests(member, unit):
        return await refuse(ctx, action, refusal, target=f"request:{number}")
    decision = await ctx.onboarding.decide(int(number), approve=verdict == "a",
                                           decider=member, now=ctx.now)
    if decision is None:
        return [Reply(plain(ctx._("This request was already decided.")), edit=True)]
    request = decision.request
    unit = _unit_name(ctx, request.unit_id)
    who = request.display_name or request.user_id
    to_requester = Address(request.channel, request.chat_id)
    if decision.approved and decision.member:
        outcome = ctx._("Approved: {name} joined {unit}.").format(name=who, unit=unit)
        told = _welcome(ctx, decision.member)[0]
        return [Reply(plain(outcome), edit=True),
                Reply(told.body, to=to_requester)]
    outcome = ctx._("Rejected: {name} will not join {unit}.").format(name=who, unit=unit)
    t = translator(request.language)
    refusal = t.gettext("Your request to join {unit} was not approved. If this is a "
                        "mistake, contact your unit's administrator.").format(unit=unit)
    return [Reply(plain(outcome), edit=True), Reply(plain(refusal), to=to_requester)]


async def invite_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := await refuse_unless_admin(
            ctx, "invite.create", message=ctx._("Only administrators can create invites.")):
        return refusal
    if not args.strip():
        return say(ctx._("Send /invite followed by the unit's name, e.g. /invite Sở Tư pháp."))
    unit_id = ctx.services.resolve_unit(args)
    if unit_id is None:
        return say(ctx._("No unit matches “{name}”. Send /units to see the list.").format(
            name=args[:80]))
    invite = await ctx.onboarding.create_invite(unit_id, created_by=ctx.actor, now=ctx.now)
    link = ctx.port.invite_link(invite.code)
    until = format_day(invite.expires_at.date(), ctx.language) if invite.expires_at else "—"
    lines = [bold(ctx._("Invite for {unit}").format(unit=_unit_name(ctx, unit_id))),
             plain(ctx._("One person can use it, until {date}.").format(date=until))]
    if link:
        lines.append(plain(link))
        lines.append(plain(ctx._("Or send the bot: /start {code}").format(code=invite.code)))
    else:  # no deep links here (Zalo): the newcomer types the code
        lines.append(plain(ctx._("The newcomer sends the bot this code: {code} (or "
                                 "/start {code})").format(code=invite.code)))
    return [Reply(join(lines))]


async def whoami_command(ctx: Context, args: str) -> list[Reply]:
    member = ctx.member
    language = {"vi": "Tiếng Việt", "en": "English"}[ctx.language]
    if member is None or (member.unit_id is None and not member.is_admin):
        return say(ctx._("You are not a member of any unit yet. Send /start to join. "
                          "Language: {language}.").format(language=language))
    role = role_name(ctx.t, member.role)
    unit = _unit_name(ctx, member.unit_id) if member.unit_id else "—"
    return [Reply(join([
        bold(member.display_name or member.user_id),
        plain(ctx._("Unit: {unit}").format(unit=unit)),
        plain(ctx._("Role: {role}").format(role=role)),
        plain(ctx._("Language: {language}").format(language=language)),
    ]))]


async def leave_command(ctx: Context, args: str) -> list[Reply]:
    if ctx.member is None:
        return say(ctx._("You are not registered, so there is nothing to remove."))
    options = ((Option(ctx._("Yes, remove my data"), "leave:yes"),
                Option(ctx._("No, stay"), "leave:no")),)
    return [Reply(plain(ctx._("Leave Nhắc việc? Your name and settings will be removed. "
                              "Your unit's updates stay, attributed to a former member.")),
                  options=options)]


async def leave_choice(ctx: Context, data: str) -> list[Reply]:
    if data != "leave:yes":
        return [Reply(plain(ctx._("Nothing was changed.")), edit=True)]
    if ctx.member is None:
        return say(ctx._("You are not registered, so there is nothing to remove."))
    await ctx.onboarding.leave(ctx.member)
    await ctx.conversations.done(ctx.incoming)
    return [Reply(plain(ctx._("Your data has been removed. Send /start if you want to join "
                              "again.")), edit=True)]


async def lang_command(ctx: Context, args: str) -> list[Reply]:
    wanted = args.strip().lower()
    if wanted not in SUPPORTED:
        return say(ctx._("Send /lang vi for Vietnamese or /lang en for English."))
    incoming = ctx.incoming
    await ctx.onboarding.set_language(channel=incoming.channel, user_id=incoming.user_id,
                                      chat_id=incoming.chat_id,
                                      display_name=incoming.display_name, language=wanted,
                                      now=ctx.now)
    return say(translator(wanted).gettext("I will speak English with you from now on."))

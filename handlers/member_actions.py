"""/promote, /demote, /remove and the member card's buttons: role changes and removal.
``Membership`` checks each against the rules at the moment it happens and audits it;
the person concerned is told privately.

Buttons: ``mem:r:<id>:<lead|admin|officer>`` gives a role, ``mem:x:<id>`` asks to
confirm a removal, ``mem:xy:<id>`` removes, ``mem:n`` cancels (and ``mem:<id>``,
``mem:l:…`` from ``handlers.members``).
"""

from __future__ import annotations

from collections.abc import Callable

from bot.i18n import translator
from bot.members import Member, MemberRole
from bot.messages import Address, Option, Reply
from bot.permissions import Refusal, removal
from bot.rich import plain
from bot.text import fold
from bot.usecases.membership import MAX_FOUND, Change
from handlers.access import refuse, refuse_in_group, refuse_unless_admin
from handlers.context import Context
from handlers.members import (
    card,
    is_manager,
    member_name,
    page_choice,
    refuse_officer,
    role_name,
    unit_title,
)
from handlers.replies import say

ROLE_WORDS = {"lead": MemberRole.LEAD, "truong": MemberRole.LEAD, "lanh dao": MemberRole.LEAD,
              "truong don vi": MemberRole.LEAD, "admin": MemberRole.ADMIN,
              "quan tri": MemberRole.ADMIN, "quan tri vien": MemberRole.ADMIN}


def _split_role(args: str, default: MemberRole) -> tuple[str, MemberRole]:
    """"Nguyễn Văn A admin" → ("Nguyễn Văn A", admin); the role word is optional."""
    words = args.split()
    for n in (3, 2, 1):
        if len(words) > n and (role := ROLE_WORDS.get(fold(" ".join(words[-n:])))):
            return " ".join(words[:-n]), role
    return args, default


async def _pick(ctx: Context, query: str, data: Callable[[Member], str], *,
                unit_id: str | None = None) -> Member | list[Reply]:
    """The one member ``query`` names, or the reply that asks which (or says none)."""
    found = await ctx.membership.find(query, unit_id=unit_id)
    if not found:
        return say(ctx._("No member matches “{name}”. Send /members to see the list.").format(
            name=query[:80]))
    if len(found) > MAX_FOUND:
        return say(ctx._("Too many members match “{name}”: type more of the name, or the "
                         "member number shown on their card (#12).").format(name=query[:80]))
    if len(found) == 1:
        return found[0]
    rows = tuple((Option(f"{member_name(m)} · {unit_title(ctx, m.unit_id)[:24]}"
                         if m.unit_id else member_name(m), data(m)),) for m in found)
    return [Reply(plain(ctx._("Which member do you mean?")), options=rows)]


def _place(ctx: Context, unit_id: str | None) -> str:
    """What a member is removed from: their unit, or (an admin without one) the bot."""
    return unit_title(ctx, unit_id) if unit_id else "Nhắc việc"


def _tell(member: Member, text: str) -> list[Reply]:
    """A private note to the member concerned, where they can be reached."""
    if not member.chat_id:
        return []
    return [Reply(plain(text), to=Address(member.channel, member.chat_id))]


def _refusal(ctx: Context, change: Change) -> str:
    name = member_name(change.member)
    return {
        Refusal.NOT_ALLOWED: ctx._("Only administrators can change roles."),
        Refusal.LAST_ADMIN: ctx._("{name} is the last administrator. Make someone else an "
                                  "administrator first.").format(name=name),
        Refusal.NEEDS_UNIT: ctx._("{name} belongs to no unit, so cannot lead one.").format(
            name=name),
        Refusal.UNCHANGED: ctx._("{name} already has this role.").format(name=name),
    }[change.refusal or Refusal.NOT_ALLOWED]


def _role_notice(ctx: Context, member: Member) -> str:
    t = translator(member.language)
    unit = unit_title(ctx, member.unit_id) if member.unit_id else ""
    if member.role is MemberRole.ADMIN:
        return t.gettext("You are now an administrator. Send /help to see what you can do.")
    if member.role is MemberRole.LEAD:
        return t.gettext("You are now the lead of {unit}: /members shows its members, and "
                         "you will hear when it misses a report.").format(unit=unit)
    if unit:
        return t.gettext("Your role is now: officer of {unit}.").format(unit=unit)
    return t.gettext("You are no longer an administrator.")


async def change_role(ctx: Context, member_id: int, role: MemberRole, *,
                      edit: bool) -> list[Reply]:
    assert ctx.member is not None
    change = await ctx.membership.change_role(ctx.member, member_id, role, now=ctx.now)
    if change is None:
        return say(ctx._("This member is no longer active."))
    if not change.done:
        return say(_refusal(ctx, change))
    member = change.member
    done = ctx._("{name} is now {role}.").format(name=member_name(member),
                                                 role=role_name(ctx.t, member.role))
    if member.unit_id:
        done += f" ({unit_title(ctx, member.unit_id)})"
    told = [] if member.id == ctx.member.id else _tell(member, _role_notice(ctx, member))
    return [Reply(plain(done), edit=edit), *told]


async def confirm_removal(ctx: Context, member_id: int, *, edit: bool) -> list[Reply]:
    """Removal asks first; the press on "Yes" is checked again."""
    target = await ctx.membership.get(member_id)
    if target is None:
        return say(ctx._("This member is no longer active."))
    refusal = removal(ctx.member, target, await ctx.membership.admin_count())
    if refusal is not None:
        text = (ctx._("{name} is the last administrator. Make someone else an "
                      "administrator first.") if refusal is Refusal.LAST_ADMIN else
                ctx._("Unit leads can remove officers of their own unit only."))
        return await refuse(ctx, "member.remove", text.format(name=member_name(target)),
                            target=f"member:{member_id}")
    unit = _place(ctx, target.unit_id)
    question = ctx._("Remove {name} from {unit}? They will no longer see the unit's tasks "
                     "or get its reminders. Their updates stay with the unit.").format(
        name=member_name(target), unit=unit)
    options = ((Option(ctx._("Yes, remove"), f"mem:xy:{member_id}"),
                Option(ctx._("No, keep"), "mem:n")),)
    return [Reply(plain(question), options=options, edit=edit)]


async def remove(ctx: Context, member_id: int) -> list[Reply]:
    assert ctx.member is not None
    change = await ctx.membership.remove(ctx.member, member_id, now=ctx.now)
    if change is None:
        return say(ctx._("This member is no longer active."))
    if not change.done:
        text = (_refusal(ctx, change) if change.refusal is Refusal.LAST_ADMIN else
                ctx._("Unit leads can remove officers of their own unit only."))
        return say(text)
    unit = _place(ctx, change.unit_id)
    done = ctx._("{name} was removed from {unit}.").format(name=member_name(change.member),
                                                            unit=unit)
    t = translator(change.member.language)
    notice = t.gettext("You have been removed from {unit}. Your unit keeps the updates you "
                       "sent. If this is a mistake, send /start to ask to join again.").format(
        unit=unit)
    told = [] if change.member.id == ctx.member.id else _tell(change.member, notice)
    return [Reply(plain(done), edit=True), *told]


async def promote_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := refuse_in_group(ctx) or await refuse_unless_admin(
            ctx, "member.promote", message=ctx._("Only administrators can change roles.")):
        return refusal
    query, role = _split_role(args, MemberRole.LEAD)
    if not query.strip():
        return say(ctx._("Send /promote <member> [lead|admin], e.g. /promote Nguyễn Văn A or "
                         "/promote #12 admin."))
    picked = await _pick(ctx, query, lambda m: f"mem:r:{m.id}:{role.value}")
    if isinstance(picked, list):
        return picked
    return await change_role(ctx, picked.id, role, edit=False)


async def demote_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := refuse_in_group(ctx) or await refuse_unless_admin(
            ctx, "member.demote", message=ctx._("Only administrators can change roles.")):
        return refusal
    if not args.strip():
        return say(ctx._("Send /demote <member>, e.g. /demote Nguyễn Văn A or /demote #12."))
    picked = await _pick(ctx, args, lambda m: f"mem:r:{m.id}:{MemberRole.OFFICER.value}")
    if isinstance(picked, list):
        return picked
    return await change_role(ctx, picked.id, MemberRole.OFFICER, edit=False)


async def remove_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := refuse_in_group(ctx):
        return refusal
    member = ctx.member
    if not is_manager(member):
        return await refuse_officer(ctx, "member.remove")
    assert member is not None
    if not args.strip():
        return say(ctx._("Send /remove <member>, e.g. /remove Nguyễn Văn A or /remove #12."))
    # A lead looks among their own unit only: others are not theirs to remove.
    picked = await _pick(ctx, args, lambda m: f"mem:x:{m.id}",
                         unit_id=None if member.is_admin else member.unit_id)
    if isinstance(picked, list):
        return picked
    return await confirm_removal(ctx, picked.id, edit=False)


_ACTIONS = {"r": "member.promote", "x": "member.remove", "xy": "member.remove",
            "l": "member.list"}


async def member_choice(ctx: Context, data: str) -> list[Reply]:
    """Every ``mem:`` button. Forged or stale data changes nothing: an officer is
    refused (and audited) before anything is read; the rest is checked by the use case."""
    parts = data.split(":")
    if not is_manager(ctx.member):
        action = _ACTIONS.get(parts[1] if len(parts) > 1 else "", "member.view")
        return await refuse_officer(ctx, action, ":".join(parts[1:])[:60] or None)
    match parts:
        case ["mem", number] if number.isdigit():
            return await card(ctx, int(number))
        case ["mem", "l", unit_key, number]:
            return await page_choice(ctx, unit_key, number)
        case ["mem", "r", number, role] if number.isdigit() and role in set(MemberRole):
            return await change_role(ctx, int(number), MemberRole(role), edit=True)
        case ["mem", "x", number] if number.isdigit():
            return await confirm_removal(ctx, int(number), edit=True)
        case ["mem", "xy", number] if number.isdigit():
            return await remove(ctx, int(number))
        case ["mem", "n"]:
            return [Reply(plain(ctx._("Nothing was changed.")), edit=True)]
    return say(ctx._("This button is no longer valid."))

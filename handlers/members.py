"""/members (/thanhvien): who is in a unit, with role and channel, a page at a time,
and a card per member offering what the reader may do to them (``bot.permissions``).

Buttons: ``mem:<id>`` opens a card, ``mem:l:<unit id or ->:<page>`` a page of a unit's
members (``-``: the administrators). The actions on a card are in
``handlers.member_actions``.
"""

from __future__ import annotations

from bot.i18n import Translator
from bot.members import Member, MemberRole
from bot.messages import Option, Reply
from bot.permissions import may_list, may_see, offered
from bot.rich import Rich, bold, join, plain
from bot.text import fold
from handlers.access import refuse, refuse_in_group
from handlers.context import Context
from handlers.replies import say

PAGE_SIZE = 10
LABEL_LENGTH = 32  # a button's text on a phone
ADMIN_WORDS = frozenset({"admin", "admins", "quan tri", "quan tri vien"})
ADMINS = "-"  # in button data: the administrators' page, who need no unit


def role_name(t: Translator, role: MemberRole) -> str:
    return {MemberRole.ADMIN: t.gettext("administrator"), MemberRole.LEAD: t.gettext(
        "unit lead"), MemberRole.OFFICER: t.gettext("officer")}[role]


def member_name(member: Member) -> str:
    name = member.display_name or member.user_id
    return name if len(name) <= LABEL_LENGTH else name[:LABEL_LENGTH - 1] + "…"


def is_manager(member: Member | None) -> bool:
    """Admins and leads manage members; officers nothing."""
    return member is not None and (member.is_admin or (
        member.role is MemberRole.LEAD and member.unit_id is not None))


async def refuse_officer(ctx: Context, action: str, target: str | None = None) -> list[Reply]:
    return await refuse(ctx, action, ctx._(
        "Only administrators and unit leads can manage members."), target=target)


def unit_title(ctx: Context, unit_id: str | None) -> str:
    if unit_id is None:
        return ctx._("Administrators")
    return ctx.services.directory.get(unit_id).name


async def members_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := refuse_in_group(ctx):
        return refusal
    member = ctx.member
    if not is_manager(member):
        return await refuse_officer(ctx, "member.list")
    assert member is not None
    wanted = args.strip()
    if member.is_admin and not wanted:
        return await _overview(ctx)
    if member.is_admin and fold(wanted) in ADMIN_WORDS:
        return await page(ctx, None, 0, edit=False)
    unit_id = ctx.services.resolve_unit(wanted) if wanted else member.unit_id
    if unit_id is None:
        return say(ctx._("No unit matches “{name}”. Send /units to see the list.").format(
            name=wanted[:80]))
    if not may_list(member, unit_id):
        return await refuse(ctx, "member.list", ctx._(
            "Unit leads can see the members of their own unit only."), target=f"unit:{unit_id}")
    return await page(ctx, unit_id, 0, edit=False)


async def _overview(ctx: Context) -> list[Reply]:
    """An admin's /members: the units that have members, and the administrators."""
    counts = await ctx.membership.counts()
    directory = ctx.services.directory
    units = sorted((u for u in counts if u is not None and u in directory),
                   key=lambda u: fold(directory.get(u).name))
    admins = await ctx.membership.admin_count()
    rows = [(Option(f"{ctx._('Administrators')} ({admins})", f"mem:l:{ADMINS}:0"),)]
    rows += [(Option(f"{directory.get(u).name[:LABEL_LENGTH]} ({counts[u]})", f"mem:l:{u}:0"),)
             for u in units]
    total = sum(counts.values())
    text = ctx.t.ngettext("{n} member in all. Choose a unit, or send /members <unit>.",
                          "{n} members in all. Choose a unit, or send /members <unit>.",
                          total).format(n=total)
    return [Reply(plain(text), options=tuple(rows))]


async def page(ctx: Context, unit_id: str | None, number: int, *, edit: bool) -> list[Reply]:
    """One page of a unit's members (``None``: the admins), each with a card button."""
    members = await ctx.membership.members(unit_id)
    title = unit_title(ctx, unit_id)
    if not members:
        return [Reply(plain(ctx._("{unit} has no members yet. /invite {unit} makes an "
                                  "invite link.").format(unit=title)), edit=edit)]
    pages = (len(members) + PAGE_SIZE - 1) // PAGE_SIZE
    number = max(0, min(number, pages - 1))
    shown = members[number * PAGE_SIZE:(number + 1) * PAGE_SIZE]
    header = ctx.t.ngettext("{unit} — {n} member", "{unit} — {n} members",
                            len(members)).format(unit=title, n=len(members))
    if pages > 1:
        header += f" ({number + 1}/{pages})"
    lines: list[Rich] = [bold(header)]
    lines += [plain(f"• {member_name(m)} — {role_name(ctx.t, m.role)} · "
                    f"{m.channel.capitalize()}") for m in shown]
    buttons = [Option(member_name(m), f"mem:{m.id}") for m in shown]
    rows = [tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2)]
    key = unit_id or ADMINS
    nav = ([Option("‹", f"mem:l:{key}:{number - 1}")] if number > 0 else []) + (
        [Option("›", f"mem:l:{key}:{number + 1}")] if number < pages - 1 else [])
    if nav:
        rows.append(tuple(nav))
    return [Reply(join(lines), options=tuple(rows), edit=edit)]


async def page_choice(ctx: Context, unit_key: str, number: str) -> list[Reply]:
    unit_id = None if unit_key == ADMINS else unit_key
    if (unit_id is not None and unit_id not in ctx.services.directory) or not number.isdigit():
        return say(ctx._("This button is no longer valid."))
    if not may_list(ctx.member, unit_id):
        return await refuse_officer(ctx, "member.list", f"unit:{unit_key}")
    return await page(ctx, unit_id, int(number), edit=True)


async def card(ctx: Context, member_id: int, *, edit: bool = True) -> list[Reply]:
    """A member's card, with the actions the reader may take on them now."""
    target = await ctx.membership.get(member_id)
    if target is None:
        return say(ctx._("This member is no longer active."))
    if not may_see(ctx.member, target):
        return await refuse_officer(ctx, "member.view", f"member:{member_id}")
    roles, removable = offered(ctx.member, target, await ctx.membership.admin_count())
    labels = {MemberRole.LEAD: ctx._("Make unit lead"), MemberRole.ADMIN: ctx._("Make admin"),
              MemberRole.OFFICER: ctx._("Make officer")}
    buttons = [Option(labels[role], f"mem:r:{member_id}:{role.value}") for role in roles]
    if removable:
        buttons.append(Option(ctx._("Remove"), f"mem:x:{member_id}"))
    rows = [tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2)]
    rows.append((Option(ctx._("‹ Back to the list"),
                        f"mem:l:{target.unit_id or ADMINS}:0"),))
    unit = unit_title(ctx, target.unit_id) if target.unit_id else "—"
    body = join([
        bold(target.display_name or target.user_id),
        plain(ctx._("Unit: {unit}").format(unit=unit)),
        plain(ctx._("Role: {role}").format(role=role_name(ctx.t, target.role))),
        plain(ctx._("Channel: {channel}, user id {user}").format(
            channel=target.channel.capitalize(), user=target.user_id)),
        plain(ctx._("Member number: #{id}").format(id=target.id)),
    ])
    return [Reply(body, options=tuple(rows), edit=edit)]

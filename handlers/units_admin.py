"""/units (/donvi) for admins: add, rename, merge, deactivate and activate units in the
chat; without a subcommand, /units lists the directory for everyone.

Merging and deactivating ask first: ``unit:mg:<unit>:<into>`` and ``unit:off:<unit>``
confirm, ``unit:no`` cancels. Every press is checked again (an admin only, and the
edit against the directory as it is then).
"""

from __future__ import annotations

from bot.messages import Option, Reply
from bot.rich import plain
from bot.text import fold
from bot.unit_edits import (
    MAX_NAME_LENGTH,
    EditError,
    UnitEditError,
    split_arrow,
    split_name_and_kind,
)
from bot.units import UnitKind
from bot.usecases.audit import Outcome
from handlers.access import refuse_in_group, refuse_unless_admin
from handlers.context import Context
from handlers.help import units_command as list_units
from handlers.replies import say

_SUBCOMMANDS = {"add": "add", "them": "add", "rename": "rename", "doiten": "rename",
                "doi ten": "rename", "merge": "merge", "gop": "merge", "sapnhap": "merge",
                "sap nhap": "merge", "deactivate": "deactivate", "ngung": "deactivate",
                "activate": "activate", "kichhoat": "activate", "kich hoat": "activate"}


def _subcommand(args: str) -> tuple[str, str] | None:
    words = args.split()
    for n in (2, 1):
        key = fold(" ".join(words[:n]))
        # Two words only for the two-word names ("đổi tên"): "add ," is "add" and ",".
        if len(words) >= n and key.count(" ") == n - 1 and (name := _SUBCOMMANDS.get(key)):
            return name, " ".join(words[n:])
    return None


def _kind_name(ctx: Context, kind: UnitKind) -> str:
    return {UnitKind.DEPARTMENT: ctx._("department"), UnitKind.LOCALITY: ctx._("locality"),
            UnitKind.EXPERT_TEAM: ctx._("expert team"),
            UnitKind.OTHER: ctx._("other body")}.get(kind, kind.value)


def _error(ctx: Context, error: UnitEditError) -> list[Reply]:
    unit = error.unit or ""
    text = {
        EditError.EMPTY_NAME: ctx._("The name is empty."),
        EditError.NAME_TOO_LONG: ctx._("The name is too long: at most {n} characters.")
        .format(n=MAX_NAME_LENGTH),
        EditError.NAME_TAKEN: ctx._("{unit} already has that name.").format(unit=unit),
        EditError.UNKNOWN_UNIT: ctx._("No such unit. Send /units to see the list."),
        EditError.COLLECTIVE: ctx._("{unit} is a group of units, not a unit: it cannot be "
                                    "changed here.").format(unit=unit),
        EditError.MERGED: ctx._("That unit was merged into {unit}; change {unit} "
                                "instead.").format(unit=unit),
        EditError.SAME_UNIT: ctx._("A unit cannot be merged into itself."),
        EditError.INACTIVE_TARGET: ctx._("{unit} is deactivated: activate it first, or "
                                         "merge into another unit.").format(unit=unit),
        EditError.UNCHANGED: ctx._("Nothing to change: {unit} is already so.").format(
            unit=unit),
    }[error.code]
    return say(text)


async def _previewed(ctx: Context, action: str, target: str,
                     error: UnitEditError) -> list[Reply]:
    """A merge or deactivation refused before its confirmation: audited, explained."""
    await ctx.audit.record(actor=ctx.actor, action=action, target=target, at=ctx.now,
                           detail={"error": error.code.value}, outcome=Outcome.FAILED)
    return _error(ctx, error)


def _find(ctx: Context, name: str) -> str | list[Reply]:
    """The unit ``name`` designates as written (a merged one itself), or a reply."""
    if unit_id := ctx.services.find_unit(name):
        return unit_id
    ranked = ctx.services.rank_units(name, limit=3)
    if ranked:
        return say(ctx._("Which unit do you mean: {names}? Type its full name.").format(
            names="; ".join(m.name for m in ranked)))
    return say(ctx._("No unit matches “{name}”. Send /units to see the list.").format(
        name=name[:80]))


async def units_command(ctx: Context, args: str) -> list[Reply]:
    sub = _subcommand(args)
    if sub is None:
        return await list_units(ctx, args)
    name, rest = sub
    if refusal := refuse_in_group(ctx) or await refuse_unless_admin(
            ctx, f"unit.{name}",
            message=ctx._("Only administrators can change the unit directory.")):
        return refusal
    return await {"add": _add, "rename": _rename, "merge": _merge,
                  "deactivate": _deactivate, "activate": _activate}[name](ctx, rest)


async def _add(ctx: Context, rest: str) -> list[Reply]:
    if not rest.strip():
        return say(ctx._("Send /units add <name>, and after a comma its kind if you like: "
                         "/units add Sở Ngoại vụ, sở. Kinds: sở, địa phương, tổ chuyên gia, "
                         "khác."))
    name, kind = split_name_and_kind(rest)
    try:
        unit = await ctx.unit_admin.add(name, kind, actor=ctx.actor, now=ctx.now)
    except UnitEditError as error:
        return _error(ctx, error)
    return say(ctx._("Added {unit} ({kind}). /invite {unit} makes an invite link for "
                     "it.").format(unit=unit.name, kind=_kind_name(ctx, unit.kind)))


async def _rename(ctx: Context, rest: str) -> list[Reply]:
    pair = split_arrow(rest)
    if pair is None or not all(pair):
        return say(ctx._("Send /units rename <unit> => <new name>, e.g. /units rename UBND "
                         "thị xã Quế Võ => UBND thành phố Quế Võ."))
    unit_id = _find(ctx, pair[0])
    if isinstance(unit_id, list):
        return unit_id
    try:
        old, unit = await ctx.unit_admin.rename(unit_id, pair[1], actor=ctx.actor,
                                                now=ctx.now)
    except UnitEditError as error:
        return _error(ctx, error)
    return say(ctx._("Renamed: {old} → {new}. The old name still finds it.").format(
        old=old, new=unit.name))


async def _merge(ctx: Context, rest: str) -> list[Reply]:
    pair = split_arrow(rest)
    if pair is None or not all(pair):
        return say(ctx._("Send /units merge <unit> => <the unit it joins>, e.g. /units "
                         "merge Sở KH&ĐT => Sở Tài chính."))
    unit_id, into = _find(ctx, pair[0]), _find(ctx, pair[1])
    for found in (unit_id, into):
        if isinstance(found, list):
            return found
    assert isinstance(unit_id, str) and isinstance(into, str)
    try:
        unit, target = ctx.unit_admin.check_merge(unit_id, into)
    except UnitEditError as error:
        return await _previewed(ctx, "unit.merge", f"unit:{unit_id}", error)
    data = f"unit:mg:{unit.id}:{target.id}"
    if len(data) > 64:
        return say(ctx._("These unit ids are too long for a button: use “nhacviec units "
                         "merge” in the shell."))
    members = (await ctx.membership.counts()).get(unit.id, 0)
    question = ctx.t.ngettext(
        "Merge {unit} into {into}? Its {n} member and its groups move to {into}; its "
        "updates count in the history of {into}, and its names will find {into}. This "
        "cannot be undone in the chat.",
        "Merge {unit} into {into}? Its {n} members and its groups move to {into}; its "
        "updates count in the history of {into}, and its names will find {into}. This "
        "cannot be undone in the chat.", members).format(unit=unit.name, into=target.name,
                                                          n=members)
    options = ((Option(ctx._("Yes, merge"), data), Option(ctx._("Cancel"), "unit:no")),)
    return [Reply(plain(question), options=options)]


async def _deactivate(ctx: Context, rest: str) -> list[Reply]:
    if not rest.strip():
        return say(ctx._("Send /units deactivate <unit>."))
    unit_id = _find(ctx, rest)
    if isinstance(unit_id, list):
        return unit_id
    try:
        unit = ctx.unit_admin.check_activity(unit_id, False)
    except UnitEditError as error:
        return await _previewed(ctx, "unit.deactivate", f"unit:{unit_id}", error)
    members = (await ctx.membership.counts()).get(unit.id, 0)
    question = ctx.t.ngettext(
        "Deactivate {unit}? It leaves /units and gets no more reminders; its {n} member "
        "stays but receives nothing. /units activate {unit} brings it back.",
        "Deactivate {unit}? It leaves /units and gets no more reminders; its {n} members "
        "stay but receive nothing. /units activate {unit} brings it back.",
        members).format(unit=unit.name, n=members)
    options = ((Option(ctx._("Yes, deactivate"), f"unit:off:{unit.id}"),
                Option(ctx._("Cancel"), "unit:no")),)
    return [Reply(plain(question), options=options)]


async def _activate(ctx: Context, rest: str) -> list[Reply]:
    if not rest.strip():
        return say(ctx._("Send /units activate <unit>."))
    unit_id = _find(ctx, rest)
    if isinstance(unit_id, list):
        return unit_id
    try:
        unit = await ctx.unit_admin.set_active(unit_id, True, actor=ctx.actor, now=ctx.now)
    except UnitEditError as error:
        return _error(ctx, error)
    return say(ctx._("{unit} is active again: it is back in /units and gets its "
                     "reminders.").format(unit=unit.name))


async def units_choice(ctx: Context, data: str) -> list[Reply]:
    """The confirmations. A forged press by a non-admin is refused and audited."""
    parts = data.split(":")
    action = {"mg": "unit.merge", "off": "unit.deactivate"}.get(
        parts[1] if len(parts) > 1 else "", "unit.edit")
    if refusal := await refuse_unless_admin(
            ctx, action, target=":".join(parts[2:])[:60] or None,
            message=ctx._("Only administrators can change the unit directory.")):
        return refusal
    try:
        match parts:
            case ["unit", "mg", unit_id, into]:
                merged = await ctx.unit_admin.merge(unit_id, into, actor=ctx.actor,
                                                    now=ctx.now)
                moved = merged.moved
                return [Reply(plain(ctx._(
                    "Merged: {unit} is now part of {into}. Moved to {into}: members "
                    "{members}, groups {chats}, join requests {requests}.").format(
                    unit=merged.unit.name, into=merged.into.name, members=moved.members,
                    chats=moved.chats, requests=moved.requests)), edit=True)]
            case ["unit", "off", unit_id]:
                unit = await ctx.unit_admin.set_active(unit_id, False, actor=ctx.actor,
                                                       now=ctx.now)
                return [Reply(plain(ctx._("{unit} is deactivated.").format(unit=unit.name)),
                              edit=True)]
            case ["unit", "no"]:
                return [Reply(plain(ctx._("Nothing was changed.")), edit=True)]
    except UnitEditError as error:
        return _error(ctx, error)
    return say(ctx._("This button is no longer valid."))

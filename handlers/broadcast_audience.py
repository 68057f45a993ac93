"""/broadcast, step two: who it goes to — everyone, every group, chosen units (typed
search, tap to toggle), a kind of unit, or the units that have not reported for a
cycle — then the preview: the message exactly as recipients will see it, and a card
with how many people and groups it reaches and Send / Change / Cancel."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.audience import BROADCAST_KINDS, Audience, AudienceKind, CycleRef
from bot.cycles import Cycle
from bot.i18n import format_day
from bot.messages import Option, Reply
from bot.rich import bold, join, plain
from bot.units import UnitKind
from bot.usecases.broadcasts import Broadcast
from bot.usecases.conversations import Step
from handlers.broadcast_view import audience_label, preview_card, render_broadcast
from handlers.context import Context
from handlers.help import KIND_TITLES
from handlers.replies import say

UNITS_STEP = "broadcast.units"
SEARCH_RESULTS = 8
LABEL_LENGTH = 40
RECENT_CYCLES = 4


def audience_menu(ctx: Context, broadcast_id: int, *, edit: bool = False) -> Reply:
    rows = [
        (Option(ctx._("👥 Every member (privately)"), f"bc:a:{broadcast_id}:all"),),
        (Option(ctx._("💬 Every group"), f"bc:a:{broadcast_id}:groups"),),
        (Option(ctx._("🏢 Chosen units…"), f"bc:a:{broadcast_id}:units"),),
        (Option(ctx._("🗂 A kind of unit…"), f"bc:a:{broadcast_id}:kind"),),
        (Option(ctx._("⏳ Units that have not reported…"), f"bc:a:{broadcast_id}:missing"),),
        (Option(ctx._("✗ Cancel"), f"bc:x:{broadcast_id}"),),
    ]
    text = ctx._("Who should receive notice #{id}?").format(id=broadcast_id)
    return Reply(plain(text), options=tuple(rows), edit=edit)


async def preview(ctx: Context, broadcast: Broadcast, audience: Audience) -> list[Reply]:
    """Save the audience and show the message as recipients will see it."""
    if not await ctx.broadcasts.choose(broadcast.id, audience):
        return say(ctx._("Notice #{id} has already been sent or cancelled.").format(
            id=broadcast.id))
    await ctx.conversations.done(ctx.incoming)
    reach = await ctx.broadcasts.reach(audience)
    chosen = join([plain(ctx._("To: {audience}").format(
        audience=audience_label(audience, ctx.services.directory, ctx.t)))])
    sample = render_broadcast(broadcast.content, broadcast_id=broadcast.id,
                              language=ctx.language, channel=ctx.incoming.channel)
    card = preview_card(_with(broadcast, audience), reach, ctx.services.directory, ctx.t)
    return [Reply(chosen, edit=ctx.incoming.choice is not None), sample, card]


def _with(broadcast: Broadcast, audience: Audience) -> Broadcast:
    return replace(broadcast, audience=audience)


async def choose_kind_of_audience(ctx: Context, broadcast: Broadcast,
                                  kind: str) -> list[Reply]:
    match kind:
        case "all":
            return await preview(ctx, broadcast, Audience(AudienceKind.EVERYONE))
        case "groups":
            return await preview(ctx, broadcast, Audience(AudienceKind.GROUPS))
        case "units":
            return await unit_picker(ctx, broadcast, found=[], edit=True)
        case "kind":
            return [_kind_menu(ctx, broadcast.id)]
        case "missing":
            return await _cycle_menu(ctx, broadcast.id)
    return say(ctx._("This button is no longer valid."))


def _kind_menu(ctx: Context, broadcast_id: int) -> Reply:
    directory = ctx.services.directory
    rows = []
    for kind in BROADCAST_KINDS:
        count = sum(1 for u in directory.concrete_units() if u.kind is kind)
        label = f"{ctx._(KIND_TITLES[kind])} ({count})"
        rows.append((Option(label, f"bc:k:{broadcast_id}:{kind.value}"),))
    rows.append((Option(ctx._("‹ Back"), f"bc:e:{broadcast_id}"),))
    return Reply(plain(ctx._("Which kind of unit?")), options=tuple(rows), edit=True)


async def choose_unit_kind(ctx: Context, broadcast: Broadcast, value: str) -> list[Reply]:
    try:
        kind = UnitKind(value)
    except ValueError:
        return say(ctx._("This button is no longer valid."))
    if kind not in BROADCAST_KINDS:
        return say(ctx._("This button is no longer valid."))
    return await preview(ctx, broadcast, Audience(AudienceKind.UNIT_KIND, unit_kind=kind))


def _cycles(ctx: Context) -> list[Cycle]:
    """The cycle being collected now (the next one), then the latest past ones."""
    recent = ctx.reports.recent_cycles(ctx.today, RECENT_CYCLES)
    upcoming = ctx.reports.neighbours(recent[0])[1] if recent \
        else ctx.reports.default_cycle(ctx.today)
    return ([upcoming] if upcoming is not None else []) + recent


async def _cycle_menu(ctx: Context, broadcast_id: int) -> list[Reply]:
    cycles = _cycles(ctx)
    if not cycles:
        return say(ctx._("There is no report cycle yet."))
    rows = []
    for cycle in cycles:
        task_id = ctx.services.snapshot.task_ids[cycle.plan_id, cycle.task_code]
        missing = await ctx.reports.missing_units(cycle.plan_id, cycle.task_code, cycle.due)
        label = ctx._("{date} · {task}: {n} not reported").format(
            date=format_day(cycle.due, ctx.language), task=cycle.task_code, n=len(missing))
        rows.append((Option(label, f"bc:m:{broadcast_id}:{task_id}:{cycle.due:%Y%m%d}"),))
    rows.append((Option(ctx._("‹ Back"), f"bc:e:{broadcast_id}"),))
    return [Reply(plain(ctx._("Which report cycle?")), options=tuple(rows), edit=True)]


async def choose_cycle(ctx: Context, broadcast: Broadcast, task_text: str,
                       due_text: str) -> list[Reply]:
    try:
        due = datetime.strptime(due_text, "%Y%m%d").date()
    except ValueError:
        return say(ctx._("This button is no longer valid."))
    cycle = ctx.reports.cycle_of(int(task_text), due) if task_text.isdigit() else None
    if cycle is None:
        return say(ctx._("This button is no longer valid."))
    return await preview(ctx, broadcast, Audience(
        AudienceKind.MISSING, cycle=CycleRef(cycle.plan_id, cycle.task_code, cycle.due)))


# --- chosen units: type to search, tap to toggle ---------------------------------------


def _selected(broadcast: Broadcast) -> list[str]:
    audience = broadcast.audience
    return list(audience.units) if audience and audience.kind is AudienceKind.UNITS else []


def _short(name: str) -> str:
    return name if len(name) <= LABEL_LENGTH else name[: LABEL_LENGTH - 1] + "…"


async def unit_picker(ctx: Context, broadcast: Broadcast, *, found: list[str],
                      edit: bool) -> list[Reply]:
    await ctx.conversations.expect(ctx.incoming, UNITS_STEP,
                                   {"id": broadcast.id, "found": found}, ctx.now)
    directory = ctx.services.directory
    selected = _selected(broadcast)
    lines = [bold(ctx._("Choose the units for notice #{id}").format(id=broadcast.id)),
             plain(ctx._("Type a unit's name to search (with or without diacritics), then "
                         "tap to choose or unchoose."))]
    if selected:
        lines.append(plain(ctx._("Chosen ({n}): {units}").format(
            n=len(selected), units=", ".join(directory.get(u).name for u in selected))))
    rows: list[tuple[Option, ...]] = [
        (Option("☑ " + _short(directory.get(u).name), f"bc:t:{broadcast.id}:{u}"),)
        for u in selected]
    rows += [(Option("☐ " + _short(directory.get(u).name), f"bc:t:{broadcast.id}:{u}"),)
             for u in found if u not in selected and u in directory]
    controls = [Option(ctx._("‹ Back"), f"bc:e:{broadcast.id}")]
    if selected:
        controls.insert(0, Option(ctx._("✓ Done ({n})").format(n=len(selected)),
                                  f"bc:d:{broadcast.id}"))
    rows.append(tuple(controls))
    return [Reply(join(lines), options=tuple(rows), edit=edit)]


async def unit_search_step(ctx: Context, step: Step, text: str) -> list[Reply]:
    """A typed name while choosing units: offer the closest units as toggles."""
    broadcast = await _draft_of_step(ctx, step)
    if broadcast is None:
        await ctx.conversations.done(ctx.incoming)
        return say(ctx._("That notice is no longer a draft. Send /broadcast to start again."))
    matches = ctx.services.rank_units(text, limit=SEARCH_RESULTS)
    if not matches:
        return say(ctx._("No unit matches “{name}”. Type another name.").format(
            name=text[:80]))
    found = list(dict.fromkeys(ctx.services.directory.successor(m.unit_id) for m in matches))
    return await unit_picker(ctx, broadcast, found=found, edit=False)


async def _draft_of_step(ctx: Context, step: Step) -> Broadcast | None:
    number = step.data.get("id")
    broadcast = await ctx.broadcasts.get(number) if isinstance(number, int) else None
    return broadcast if broadcast and broadcast.status.value == "draft" else None


async def toggle_unit(ctx: Context, broadcast: Broadcast, unit_id: str) -> list[Reply]:
    directory = ctx.services.directory
    if unit_id not in directory or directory.get(unit_id).is_collective:
        return say(ctx._("This button is no longer valid."))
    selected = _selected(broadcast)
    unit_id = directory.successor(unit_id)
    selected = [u for u in selected if u != unit_id] if unit_id in selected \
        else [*selected, unit_id]
    audience = Audience(AudienceKind.UNITS, units=tuple(selected))
    if not await ctx.broadcasts.choose(broadcast.id, audience):
        return say(ctx._("Notice #{id} has already been sent or cancelled.").format(
            id=broadcast.id))
    step = await ctx.conversations.current(ctx.incoming, ctx.now)
    found = [str(u) for u in step.data.get("found", [])] if step and \
        step.kind == UNITS_STEP and step.data.get("id") == broadcast.id else []
    return await unit_picker(ctx, _with(broadcast, audience), found=found, edit=True)


async def units_done(ctx: Context, broadcast: Broadcast) -> list[Reply]:
    selected = _selected(broadcast)
    if not selected:
        return say(ctx._("Choose at least one unit first."))
    return await preview(ctx, broadcast, Audience(AudienceKind.UNITS, units=tuple(selected)))

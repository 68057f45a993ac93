"""Importing a plan in the chat (admins), and /plans (/kehoach).

An admin sends the plan's document in a private chat, outside any other question
(a /broadcast waiting for its content claims a document first). The bot fetches it,
parses it and stores it as a new plan, inactive; the preview shows what it
understood, with buttons: Activate, Cancel (the import is deleted), Get the parsed
file, and per unit the directory does not know, "map to" its best suggestions or
"add as a new unit" (the plan's tasks are then re-resolved and the preview shown
again). A corrected ``.json``/``.yaml`` file sent while a preview is open replaces
that import. Nothing reaches /due before Activate.

Button data: ``plan:<verb>:<plan id>[:<name index>[:<unit id>]]``; the name index
is the position of the unit name among the plan's names (``unit_names``). Every
press is checked again: an admin only; the plan, the name and the suggestion as they
are now, so an old or forged button changes nothing.
"""

from __future__ import annotations

import json
from pathlib import PurePath

from bot.i18n import format_day
from bot.messages import Attachment, Option, Reply
from bot.plan_import import MAX_DOCUMENT_BYTES, PARSED_SUFFIXES, DocumentError
from bot.plan_import.model import ParsedPlan, UnitRef
from bot.ports import DownloadError
from bot.rich import Rich, bold, join, plain
from bot.unit_edits import UnitEditError
from bot.usecases.plan_imports import Imported, PlanImportError, overview, unit_names
from handlers.access import refuse_in_group, refuse_unless_admin
from handlers.context import Context
from handlers.replies import say
from handlers.units_admin import _error as unit_error

REVIEW_STEP = "plan.review"  # not a STEPS entry: text goes on as usual, files replace
SAMPLE = 5
MAX_UNIT_BUTTONS = 6  # unknown names with buttons; the rest are listed only
SHORT = 70


def _short(text: str, limit: int = SHORT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _refusal_message(ctx: Context) -> str:
    return ctx._("Only administrators can import and change plans.")


# --- the preview -------------------------------------------------------------------------


def _unit_line(ctx: Context, ref: UnitRef) -> str:
    if ref.suggestions:
        return ctx._("• {name} — perhaps: {suggestions}").format(
            name=ref.written, suggestions="; ".join(s.name for s in ref.suggestions[:2]))
    return ctx._("• {name} — no similar unit").format(name=ref.written)


def _sample(ctx: Context, parsed: ParsedPlan) -> list[str]:
    lines = []
    for task in parsed.tasks[:SAMPLE]:
        lead = ", ".join(u.written for u in task.lead) or ctx._("no lead unit")
        deadline = task.deadline_text or ctx._("no deadline")
        lines.append(f"• {task.id} · {_short(task.text)} · {lead} · {deadline}")
    return lines


def preview(ctx: Context, found: Imported) -> Reply:
    plan, parsed = found.plan, found.parsed
    assert parsed is not None
    facts = overview(parsed)
    parts: list[Rich | str] = [bold(plan.title)]
    details = [d for d in (plan.number, format_day(plan.issued, ctx.language) if plan.issued
                           else None) if d]
    if details:
        parts.append(" · ".join(details))
    parts.append(ctx._("Plan {id}: active, /due shows its tasks.").format(id=plan.id)
                 if plan.active else
                 ctx._("Plan {id}: not active yet, nobody sees it.").format(id=plan.id))
    parts.append(ctx.t.ngettext("{n} task", "{n} tasks", facts.tasks).format(n=facts.tasks))
    if facts.months:
        parts.append(ctx._("Deadlines per month: {months}").format(months=" · ".join(
            f"{m.month}/{m.year}: {n}" for m, n in facts.months)))
    parts.append(ctx._("Recurring: {recurring} · without a deadline: {undated}").format(
        recurring=facts.recurring, undated=facts.undated))
    unknown = parsed.unresolved
    if unknown:
        parts.append(bold(ctx._("Units not in the directory:")))
        parts.extend(_unit_line(ctx, ref) for ref in unknown)
    if parsed.tasks:
        parts.append(bold(ctx._("Sample tasks:")))
        parts.extend(_sample(ctx, parsed))
    if not plan.active:
        parts.append(ctx._("To correct it: get the parsed file, edit it and send it back "
                           "here."))
    return Reply(join(parts), options=_buttons(ctx, found))


def _buttons(ctx: Context, found: Imported) -> tuple[tuple[Option, ...], ...]:
    plan = found.plan
    assert found.parsed is not None
    rows: list[tuple[Option, ...]] = []
    if plan.active:
        rows.append((Option(ctx._("Deactivate"), f"plan:off:{plan.id}"),))
    else:
        rows.append((Option(ctx._("Activate"), f"plan:on:{plan.id}"),
                     Option(ctx._("Cancel"), f"plan:no:{plan.id}")))
    rows.append((Option(ctx._("Get the parsed file"), f"plan:get:{plan.id}"),))
    names = unit_names(found.parsed)
    for ref in found.parsed.unresolved[:MAX_UNIT_BUTTONS]:
        index = names.index(ref.written)
        row = [Option(ctx._("{name} = {unit}").format(name=_short(ref.written, 30),
                                                      unit=_short(s.name, 30)), data)
               for s in ref.suggestions[:2]
               if len(data := f"plan:map:{plan.id}:{index}:{s.unit_id}") <= 64]
        if len(data := f"plan:add:{plan.id}:{index}") <= 64:
            row.append(Option(ctx._("Add “{name}” as a unit").format(
                name=_short(ref.written, 30)), data))
        if row:
            rows.append(tuple(row))
    return tuple(rows)


# --- a document arrives ----------------------------------------------------------------


async def document_message(ctx: Context) -> list[Reply]:
    """A document sent outside any question: a plan to import (admins)."""
    media = ctx.incoming.media
    assert media is not None
    if refusal := refuse_in_group(ctx) or await refuse_unless_admin(
            ctx, "plan.import", message=_refusal_message(ctx)):
        return refusal
    name = PurePath(media.filename or "").name or "document"
    try:
        data = await ctx.port.download(media, limit=MAX_DOCUMENT_BYTES)
    except DownloadError as error:
        return say(ctx._("I could not fetch {file}: {reason}").format(file=name,
                                                                      reason=error))
    replacing = None
    step = await ctx.conversations.current(ctx.incoming, ctx.now)
    if step is not None and step.kind == REVIEW_STEP and \
            PurePath(name).suffix.lower() in PARSED_SUFFIXES:
        pending = await ctx.app.plan_imports.get(str(step.data.get("plan")))
        if pending is not None and pending.parsed is not None and not pending.plan.active:
            replacing = pending.plan.id
    try:
        imported = await ctx.app.plan_imports.import_file(
            name, data, actor=ctx.actor, now=ctx.now, replacing=replacing)
    except DocumentError as error:
        return say(ctx._("I could not read {file} as a plan: {reason}").format(
            file=name, reason=error))
    except PlanImportError as error:
        return _plan_error(ctx, error)
    await ctx.conversations.expect(ctx.incoming, REVIEW_STEP, {"plan": imported.plan.id},
                                   ctx.now)
    replies = []
    if replacing:
        replies.append(Reply(plain(ctx._("The corrected file replaces the import."))))
    return [*replies, preview(ctx, imported)]


def _plan_error(ctx: Context, error: PlanImportError) -> list[Reply]:
    return say({
        "unknown_plan": ctx._("This button is no longer valid."),
        "not_imported": ctx._("That plan was not imported from a document."),
        "active": ctx._("That plan is active: deactivate it first."),
        "reported": ctx._("Units have already reported on tasks of that plan: it cannot "
                          "be replaced or removed."),
    }.get(error.code, ctx._("Sorry, something went wrong. Please try again.")))


# --- /plans ---------------------------------------------------------------------------------


async def plans_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := refuse_in_group(ctx) or await refuse_unless_admin(
            ctx, "plan.list", message=_refusal_message(ctx)):
        return refusal
    summaries = await ctx.app.plan_imports.summaries()
    if not summaries:
        return say(ctx._("No plans yet. Send me a plan's document to import it."))
    lines: list[Rich | str] = [bold(ctx._("Plans"))]
    rows = []
    for s in summaries:
        state = ctx._("active") if s.active else ctx._("not active")
        lines.append(ctx.t.ngettext("• {title} ({id}): {state}, {n} task",
                                    "• {title} ({id}): {state}, {n} tasks", s.tasks).format(
            title=_short(s.title, 80), id=s.id, state=state, n=s.tasks))
        toggle = (Option(ctx._("Deactivate {id}").format(id=s.id), f"plan:off:{s.id}")
                  if s.active else
                  Option(ctx._("Activate {id}").format(id=s.id), f"plan:on:{s.id}"))
        row = [toggle]
        if s.source_name is not None:
            row.append(Option(ctx._("Details"), f"plan:view:{s.id}"))
        rows.append(tuple(row))
    lines.append(ctx._("Send me a plan's document (.docx, .pdf, .txt) to import a new one."))
    return [Reply(join(lines), options=tuple(rows))]


# --- the buttons ------------------------------------------------------------------------------


async def plan_choice(ctx: Context, data: str) -> list[Reply]:
    parts = data.split(":")
    verb = parts[1] if len(parts) > 1 else ""
    action = {"on": "plan.activate", "off": "plan.deactivate", "no": "plan.discard",
              "get": "plan.download", "map": "unit.alias", "add": "unit.add",
              "view": "plan.view"}.get(verb, "plan.button")
    if refusal := await refuse_unless_admin(ctx, action, target=":".join(parts[2:])[:60]
                                            or None, message=_refusal_message(ctx)):
        return refusal
    imports = ctx.app.plan_imports
    try:
        match parts:
            case ["plan", "on" | "off" as verb, plan_id]:
                plan = await imports.set_active(plan_id, verb == "on", actor=ctx.actor,
                                                now=ctx.now)
                text = (ctx._("Activated: {title}. /due shows its tasks now.")
                        if plan.active else
                        ctx._("Deactivated: {title}. Its tasks leave /due and the "
                              "reminders."))
                return [Reply(plain(text.format(title=plan.title)), edit=True)]
            case ["plan", "no", plan_id]:
                plan = await imports.discard(plan_id, actor=ctx.actor, now=ctx.now)
                await _forget(ctx, plan_id)
                return [Reply(plain(ctx._("Cancelled: {title} was not imported.").format(
                    title=plan.title)), edit=True)]
            case ["plan", "get", plan_id]:
                return await _parsed_file(ctx, plan_id)
            case ["plan", "view", plan_id]:
                found = await imports.get(plan_id)
                if found is not None and found.parsed is not None:
                    return [preview(ctx, found)]
            case ["plan", "map", plan_id, index, unit_id]:
                if (name := await _unknown_name(ctx, plan_id, index, unit_id)) is not None:
                    unit, found = await imports.map_unit(plan_id, name, unit_id,
                                                         actor=ctx.actor, now=ctx.now)
                    note = ctx._("Remembered: “{name}” is {unit}.").format(name=name,
                                                                          unit=unit.name)
                    return [Reply(plain(note)), _edited(preview(ctx, found))]
            case ["plan", "add", plan_id, index]:
                if (name := await _unknown_name(ctx, plan_id, index, None)) is not None:
                    unit, found = await imports.add_unit(plan_id, name, actor=ctx.actor,
                                                         now=ctx.now)
                    note = ctx._("Added the unit {unit}.").format(unit=unit.name)
                    return [Reply(plain(note)), _edited(preview(ctx, found))]
    except PlanImportError as error:
        return _plan_error(ctx, error)
    except UnitEditError as error:
        return unit_error(ctx, error)
    return say(ctx._("This button is no longer valid."))


def _edited(reply: Reply) -> Reply:
    return Reply(reply.body, options=reply.options, edit=True)


async def _unknown_name(ctx: Context, plan_id: str, index: str,
                        unit_id: str | None) -> str | None:
    """The unit name a map/add button is about, if the button still fits the plan:
    the name is still unknown, and (mapping) the unit is still one of its suggestions."""
    found = await ctx.app.plan_imports.get(plan_id)
    if found is None or found.parsed is None or not index.isdigit():
        return None
    names = unit_names(found.parsed)
    if int(index) >= len(names):
        return None
    ref = next((r for r in found.parsed.unresolved if r.written == names[int(index)]), None)
    if ref is None:
        return None
    if unit_id is not None and unit_id not in {s.unit_id for s in ref.suggestions[:2]}:
        return None
    return ref.written


async def _parsed_file(ctx: Context, plan_id: str) -> list[Reply]:
    found = await ctx.app.plan_imports.get(plan_id)
    if found is None or found.parsed is None:
        return say(ctx._("This button is no longer valid."))
    content = json.dumps(found.parsed.to_json(), ensure_ascii=False, indent=2).encode()
    attachment = Attachment(f"{plan_id}.json", content, "application/json")
    return [Reply(plain(ctx._("The parsed plan: correct it and send it back here while "
                              "the plan is not active.")), attachment=attachment)]


async def _forget(ctx: Context, plan_id: str) -> None:
    step = await ctx.conversations.current(ctx.incoming, ctx.now)
    if step is not None and step.kind == REVIEW_STEP and step.data.get("plan") == plan_id:
        await ctx.conversations.done(ctx.incoming)


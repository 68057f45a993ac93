"""/report (/baocao): who has reported for a cycle, with the chart, the files, and a
button to remind the units still missing; /report unit <unit> for one unit's history.
Admins only, in a private chat.

Buttons: "rep:<action>:<task id|all>:<yyyymmdd>" — v view (edit in place), x xlsx,
c csv, d docx, n remind the missing units; "rep:u:<unit id>" a unit's history. Every
press re-checks the presser's rights and re-validates the ids.
"""

from __future__ import annotations

from datetime import date

from bot.cycles import Cycle
from bot.i18n import format_day
from bot.messages import Option, Reply
from bot.report_cycles import InvalidDay, compact_day, parse_day
from bot.rich import plain
from bot.text import fold
from handlers.access import refuse_in_group, refuse_unless_admin
from handlers.context import Context
from handlers.due_view import View
from handlers.reminder_view import render_nudge
from handlers.replies import say
from handlers.report_view import (
    button_label,
    file_options,
    option_data,
    render_day,
    render_history,
    render_nudged,
    render_summary,
    summary_options,
)

ACTION = "report"
FILE_KINDS = {"x": "xlsx", "c": "csv", "d": "docx"}
UNIT_WORDS = ("unit", "donvi", "don vi")  # "/report unit …", "/baocao đơn vị …"
MAX_SUGGESTIONS = 5


def _view(ctx: Context) -> View:
    return View(ctx.t, ctx.services.directory, ctx.services.workdays(ctx.language))


def _invalid(ctx: Context) -> list[Reply]:
    return say(ctx._("This button is no longer valid."))


async def _refusal(ctx: Context, target: str | None = None) -> list[Reply] | None:
    # Rights first, so that a forged press is audited wherever it comes from.
    return await refuse_unless_admin(ctx, ACTION, target=target) or refuse_in_group(ctx)


# --- what the admin sees --------------------------------------------------------------


async def show_cycle(ctx: Context, cycle: Cycle, *, edit: bool = False) -> list[Reply]:
    """The summary with its buttons; a new message also gets the chart (a press of
    ‹ › edits the text in place and leaves the picture alone)."""
    reports = ctx.reports
    report = await reports.report(cycle)
    previous, following = reports.neighbours(cycle)
    options = summary_options(report, reports.task_id(cycle), _view(ctx), previous, following)
    summary = Reply(render_summary(report, _view(ctx)), options=options, edit=edit)
    if edit:
        return [summary]
    chart = await reports.chart(await reports.grid(cycle, ctx.today), ctx.language)
    caption = ctx._("{code}: the recent cycles, unit by unit").format(code=cycle.task_code)
    return [summary, Reply(plain(caption), attachment=chart)]


async def _show_day(ctx: Context, day: date, cycles: list[Cycle]) -> list[Reply]:
    """Several tasks due that day: a line and a button each, and the files for all."""
    reports = await ctx.reports.reports(cycles)
    view = _view(ctx)
    opens = tuple((Option(button_label(r, view), option_data(
        "v", ctx.reports.task_id(r.cycle), day)),) for r in reports)
    return [Reply(render_day(day, reports, view), options=(*opens, file_options(
        "all", day, view)))]


async def _history(ctx: Context, unit_text: str) -> list[Reply]:
    if not unit_text:
        return say(ctx._("Which unit? For example: /report unit Sở Tư pháp"))
    unit_id = ctx.services.resolve_unit(unit_text)
    if unit_id is None:
        matches = ctx.services.rank_units(unit_text, limit=MAX_SUGGESTIONS)
        if not matches:
            return say(ctx._("No unit matches “{name}”. Send /units to see the list.").format(
                name=unit_text[:60]))
        options = tuple((Option(m.name, f"rep:u:{m.unit_id}"),) for m in matches)
        return [Reply(plain(ctx._("Which unit did you mean?")), options=options)]
    return await _history_of(ctx, unit_id)


async def _history_of(ctx: Context, unit_id: str) -> list[Reply]:
    history = await ctx.reports.unit_history(unit_id, ctx.today)
    return [Reply(render_history(history, _view(ctx)))]


# --- /report ----------------------------------------------------------------------------


def _unit_query(args: str) -> str | None:
    """The unit named after "unit" / "đơn vị", or None when ``args`` is not that form."""
    folded = fold(args)
    for word in UNIT_WORDS:
        if folded == word or folded.startswith(word + " "):
            return " ".join(args.split()[len(word.split()):])
    return None


async def report_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := await _refusal(ctx):
        return refusal
    if (unit_text := _unit_query(args)) is not None:
        return await _history(ctx, unit_text)
    if args.strip():
        return await _on_day(ctx, args.strip())
    cycle = ctx.reports.default_cycle(ctx.today)
    if cycle is None:
        return say(ctx._("The open plans have no periodic report."))
    return await show_cycle(ctx, cycle)


async def _on_day(ctx: Context, day_text: str) -> list[Reply]:
    try:
        day = parse_day(day_text, ctx.today)
    except InvalidDay:
        return say(ctx._("“{text}” is not a date I can read. Try /report 22/8 or "
                         "/report 2023-08-22.").format(text=day_text[:40]))
    cycles = ctx.reports.cycles_on(day)
    if not cycles:
        return say(ctx._("No report or deadline of the open plans falls on {date}.").format(
            date=format_day(day, ctx.language)))
    if len(cycles) == 1:
        return await show_cycle(ctx, cycles[0])
    return await _show_day(ctx, day, cycles)


# --- the buttons --------------------------------------------------------------------------


def _cycles(ctx: Context, action: str, task: str, day_text: str) -> list[Cycle] | None:
    """The cycles a button names, or None when it names none that exists (forged, stale)."""
    day = compact_day(day_text)
    if day is None or action not in ("v", "n", *FILE_KINDS):
        return None
    if task == "all" and action in FILE_KINDS:
        return ctx.reports.cycles_on(day) or None
    cycle = ctx.reports.cycle_of(int(task), day) if task.isascii() and task.isdigit() else None
    return [cycle] if cycle else None


async def _file(ctx: Context, kind: str, cycles: list[Cycle]) -> list[Reply]:
    reports = await ctx.reports.reports(cycles)
    attachment = await ctx.reports.export(kind, reports, ctx.language)
    return [Reply(plain(ctx._("The report, as a file: {name}").format(
        name=attachment.filename)), attachment=attachment)]


async def _remind(ctx: Context, cycle: Cycle) -> list[Reply]:
    _, task, task_id = ctx.reports.resolve(cycle)
    directory = ctx.services.directory

    def render(unit_id: str, language: str) -> Reply:
        return render_nudge(task, cycle.due, directory.get(unit_id).name, task_id=task_id,
                            language=language, workdays=ctx.services.workdays(language),
                            today=ctx.today)

    result = await ctx.reports.remind_missing(cycle, render, actor=ctx.actor, now=ctx.now)
    names = {u: directory.get(u).name for u in result.missing}
    return [Reply(render_nudged(result, names, _view(ctx)))]


async def report_choice(ctx: Context, data: str) -> list[Reply]:
    if refusal := await _refusal(ctx, target=data[:64]):
        return refusal
    _, action, task, day_text = [*data.split(":", 3), "", "", ""][:4]
    if action == "u":
        directory = ctx.services.directory
        if task not in directory or directory.get(task).is_collective:
            return _invalid(ctx)
        return await _history_of(ctx, task)
    cycles = _cycles(ctx, action, task, day_text)
    if cycles is None:
        return _invalid(ctx)
    if action in FILE_KINDS:
        return await _file(ctx, FILE_KINDS[action], cycles)
    if action == "n":
        return await _remind(ctx, cycles[0])
    return await show_cycle(ctx, cycles[0], edit=True)


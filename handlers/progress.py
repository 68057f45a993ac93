"""/update (/capnhat): pick a task or report cycle, send a short text; undo within ten
minutes; /history (/lichsu) shows the unit's recent updates."""

from __future__ import annotations

from bot.i18n import format_datetime, format_day
from bot.messages import Option, Reply
from bot.progress_text import InvalidUpdate, UpdateStatus, parse_update
from bot.rich import Rich, bold, italic, join, plain
from bot.usecases.conversations import Step
from bot.usecases.progress import StoredUpdate, UndoResult, Updatable
from handlers.context import Context
from handlers.replies import say

UPDATE_STEP = "update.text"
PAGE_SIZE = 8
LABEL_LENGTH = 48  # a button's text on a phone


def _unit_of(ctx: Context) -> str | list[Reply]:
    member = ctx.member
    if ctx.in_group:
        return say(ctx._("Please send updates to me in a private chat."))
    if member is None or member.unit_id is None:
        return say(ctx._("You are not registered with a unit yet. Send /start to join."))
    return member.unit_id


def _status_label(ctx: Context, status: UpdateStatus) -> str:
    return {UpdateStatus.DONE: ctx._("done"), UpdateStatus.BLOCKED: ctx._("blocked"),
            UpdateStatus.IN_PROGRESS: ctx._("in progress")}[status]


def _label(ctx: Context, item: Updatable) -> str:
    title = item.task.title
    if len(title) > LABEL_LENGTH:
        title = title[: LABEL_LENGTH - 1] + "…"
    if item.cycle:
        return f"{item.task.code} · {format_day(item.cycle, ctx.language)[:5]} · {title}"
    return f"{item.task.code} · {title}"


async def _page(ctx: Context, unit_id: str, page: int, *, edit: bool) -> list[Reply]:
    items = await ctx.progress.open_items(unit_id, ctx.today)
    if not items:
        return say(ctx._("Your unit has no open tasks to update."))
    pages = (len(items) + PAGE_SIZE - 1) // PAGE_SIZE
    page = max(0, min(page, pages - 1))
    shown = items[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    rows = [(Option(_label(ctx, item), f"upd:t:{item.task_id}"),) for item in shown]
    nav = []
    if page > 0:
        nav.append(Option("‹", f"upd:p:{page - 1}"))
    if page < pages - 1:
        nav.append(Option("›", f"upd:p:{page + 1}"))
    text = ctx._("Which task is your update about? (page {page}/{pages})").format(
        page=page + 1, pages=pages)
    return [Reply(plain(text), options=(*rows, *((tuple(nav),) if nav else ())), edit=edit)]


async def _ask_text(ctx: Context, item: Updatable, *, edit: bool) -> list[Reply]:
    step = {"task_id": item.task_id,
            "cycle": item.cycle.isoformat() if item.cycle else None}
    await ctx.conversations.expect(ctx.incoming, UPDATE_STEP, step, ctx.now)
    lines = [bold(f"{item.task.code} — {item.task.title}")]
    if item.cycle:
        lines.append(plain(ctx._("Report cycle: {date}").format(
            date=format_day(item.cycle, ctx.language))))
    lines.append(plain(ctx._("Now send a short update, e.g. “xong 80%, đã trình UBND”. "
                             "/cancel to stop.")))
    return [Reply(join(lines), edit=edit)]


def _confirmation(ctx: Context, stored: StoredUpdate) -> Reply:
    item = stored.item
    facts = [_status_label(ctx, stored.status)]
    if stored.percent is not None:
        facts.append(f"{stored.percent}%")
    if item.cycle:
        facts.insert(0, ctx._("cycle {date}").format(date=format_day(item.cycle,
                                                                      ctx.language)))
    body = join([
        bold(ctx._("Update saved")),
        plain(f"{item.task.code} — {item.task.title}"),
        plain(" · ".join(facts)),
        italic(f"«{stored.text}»"),
    ])
    undo = (Option(ctx._("↩ Undo (10 minutes)"), f"undo:{stored.id}"),)
    return Reply(body, options=(undo,))


async def _store(ctx: Context, item: Updatable, text: str) -> list[Reply]:
    try:
        parsed = parse_update(text)
    except InvalidUpdate as error:
        reason = {"empty": ctx._("The update is empty."),
                  "too long": ctx._("The update is too long: at most 1000 characters."),
                  "percent over 100": ctx._("A percentage cannot be over 100%.")}[str(error)]
        return say(reason + " " + ctx._("Please send it again."))
    assert ctx.member is not None
    stored = await ctx.progress.record(ctx.member, item, parsed, now=ctx.now,
                                       message_id=ctx.incoming.message_id,
                                       ending=ctx.incoming)
    return [_confirmation(ctx, stored)]


async def update_command(ctx: Context, args: str) -> list[Reply]:
    unit = _unit_of(ctx)
    if isinstance(unit, list):
        return unit
    token, _, text = args.strip().partition(" ")
    if not token:
        return await _page(ctx, unit, 0, edit=False)
    found = ctx.progress.find(unit, token, ctx.today)
    if not found:
        return say(ctx._("Your unit has no task “{task}”. Send /update to pick from the "
                          "list.").format(task=token[:40]))
    if len(found) > 1:
        rows = tuple((Option(_label(ctx, i), f"upd:t:{i.task_id}"),) for i in found)
        return [Reply(plain(ctx._("Which task do you mean?")), options=rows)]
    if not text.strip():
        return await _ask_text(ctx, found[0], edit=False)
    return await _store(ctx, found[0], text)


async def update_choice(ctx: Context, data: str) -> list[Reply]:
    unit = _unit_of(ctx)
    if isinstance(unit, list):
        return unit
    _, kind, value, cycle_text = [*data.split(":", 3), "", "", ""][:4]
    if not value.isdigit():
        return say(ctx._("This button is no longer valid."))
    if kind == "p":
        return await _page(ctx, unit, int(value), edit=True)
    item = ctx.progress.item(unit, int(value), ctx.today) if kind in ("t", "c") else None
    if item is not None and kind == "c":
        # From a reminder: the update counts for the cycle it reminded about, even
        # when sent after that cycle's date (a late report is still that report).
        item = ctx.progress.for_cycle(item, cycle_text)
    if item is None:
        return say(ctx._("This button is no longer valid."))
    return await _ask_text(ctx, item, edit=kind != "c")


async def update_text_step(ctx: Context, step: Step, text: str) -> list[Reply]:
    unit = _unit_of(ctx)
    if isinstance(unit, list):
        return unit
    task_id = step.data.get("task_id")
    item = ctx.progress.item(unit, task_id, ctx.today) if isinstance(task_id, int) else None
    cycle = step.data.get("cycle")
    if item is not None and isinstance(cycle, str):
        item = ctx.progress.for_cycle(item, cycle.replace("-", ""))
    if item is None:
        await ctx.conversations.done(ctx.incoming)
        return say(ctx._("That task is no longer open. Send /update to pick again."))
    return await _store(ctx, item, text)


async def undo_choice(ctx: Context, data: str) -> list[Reply]:
    number = data.partition(":")[2]
    if ctx.member is None or not number.isdigit():
        return say(ctx._("This button is no longer valid."))
    result = await ctx.progress.undo(int(number), ctx.member, ctx.now)
    if result is UndoResult.UNDONE:
        return [Reply(plain(ctx._("The update was removed.")), edit=True)]
    if result is UndoResult.TOO_LATE:
        return say(ctx._("Too late to undo: updates can be taken back for 10 minutes. "
                          "Send a new update instead."))
    return say(ctx._("This button is no longer valid."))


async def cancel_command(ctx: Context, args: str) -> list[Reply]:
    await ctx.conversations.done(ctx.incoming)
    return say(ctx._("Cancelled."))


async def history_command(ctx: Context, args: str) -> list[Reply]:
    unit = _unit_of(ctx)
    if isinstance(unit, list):
        return unit
    task_id = None
    if args.strip():
        found = ctx.progress.find(unit, args.strip().split()[0], ctx.today)
        if len(found) != 1:
            return say(ctx._("Your unit has no task “{task}”.").format(task=args[:40]))
        task_id = found[0].task_id
    entries = await ctx.progress.history(unit, task_id=task_id)
    name = ctx.services.directory.get(unit).name
    if not entries:
        return say(ctx._("{unit} has not sent any update yet.").format(unit=name))
    lines: list[Rich] = [bold(ctx._("{unit} — recent updates").format(unit=name))]
    tz = ctx.services.settings.timezone
    for entry in entries:
        author = entry.author or ctx._("a former member")
        facts = [entry.task.code, _status_label(ctx, entry.status)]
        if entry.percent is not None:
            facts.append(f"{entry.percent}%")
        lines.append(plain(f"• {format_datetime(entry.at, ctx.language, tz)} · {author}"))
        lines.append(italic(f"   {' · '.join(facts)} — «{entry.text}»"))
    return [Reply(join(lines))]

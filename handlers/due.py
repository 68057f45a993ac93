"""/due — what a unit is due for in a month — with the free-text forms, /overdue and
/tasks. Officers see their own unit; admins name any unit."""

from __future__ import annotations

from bot.agenda import Agenda
from bot.calendar import Month
from bot.intents import AskDue
from bot.memo import Memo, Same
from bot.messages import Option, Reply
from bot.month_query import InvalidMonth, MonthAnswer, find_month, without_month
from bot.rich import Rich, bold, italic, join, plain
from handlers.context import Context
from handlers.due_view import View, render_agenda, render_overdue
from handlers.replies import say

CHOICE_PREFIX = "due"  # option data: "due:<unit id>:<YYYY-MM>"
MAX_SUGGESTIONS = 5


def _month_option(label: str, unit_id: str, month: Month) -> Option:
    return Option(label, f"{CHOICE_PREFIX}:{unit_id}:{month}")


def _view(ctx: Context) -> View:
    return View(ctx.t, ctx.services.directory, ctx.services.workdays(ctx.language))


async def _group_unit(ctx: Context, unit_text: str, month: Month) -> str | list[Reply]:
    """In a group, the bound unit speaks for everyone in it; a province-wide group may
    ask about any unit by name."""
    chat = await ctx.groups.chat(ctx.incoming.channel, ctx.incoming.chat_id)
    if chat is None or not chat.is_bound or not chat.active:
        return say(ctx._("This group is not linked to a unit yet. A group admin who is a "
                          "bot admin can send /bind <unit>."))
    if chat.unit_id:
        return chat.unit_id
    if not unit_text:
        return say(ctx._("Which unit? Send /due followed by its name, e.g. /due Sở Tư pháp."))
    return _suggest(ctx, unit_text, month)


def _suggest(ctx: Context, unit_text: str, month: Month) -> str | list[Reply]:
    if resolved := ctx.services.resolve_unit(unit_text):
        return resolved
    matches = ctx.services.rank_units(unit_text, limit=MAX_SUGGESTIONS)
    if not matches:
        return say(ctx._("No unit matches “{name}”. Send /units to see the list.").format(
            name=unit_text))
    options = tuple((_month_option(m.name, m.unit_id, month),) for m in matches)
    return [Reply(plain(ctx._("Which unit did you mean?")), options=options)]


async def _target_unit(ctx: Context, unit_text: str, month: Month) -> str | list[Reply]:
    """The unit to show, or the replies that explain why there is none yet."""
    if ctx.in_group:
        return await _group_unit(ctx, unit_text, month)
    member = ctx.member
    if member is None or (member.unit_id is None and not member.is_admin):
        return say(ctx._("You are not registered with a unit yet. Send /start to join."))
    if not unit_text:
        if member.unit_id:
            return member.unit_id
        return say(ctx._("Which unit? Send /due followed by its name, e.g. /due Sở Tư pháp."))
    if member.is_admin:
        return _suggest(ctx, unit_text, month)
    resolved = ctx.services.resolve_unit(unit_text)
    if resolved and member.may_see(resolved):
        return resolved
    return say(ctx._("You can only see the tasks of your own unit."))


# Rendered months: the same agenda (memoised by Services.agenda) in the same language
# and calendar reads the same (bot/memo.py).
_RENDERED: Memo[Rich] = Memo(1024)


def _rendered(agenda: Agenda, view: View) -> Rich:
    key = (Same(agenda), view.t.language, Same(view.directory), Same(view.workdays))
    return _RENDERED.get(key) or _RENDERED.put(key, render_agenda(agenda, view))


async def show_month(ctx: Context, unit_id: str, month: Month, *, edit: bool = False) -> Reply:
    agenda = await ctx.services.agenda(unit_id, month, ctx.today)
    body = _rendered(agenda, _view(ctx))
    nav = (_month_option(ctx._("‹ previous month"), unit_id, month.previous()),
           _month_option(ctx._("next month ›"), unit_id, month.next()))
    return Reply(body, options=(nav,), edit=edit)


async def _due(ctx: Context, unit_text: str, answer: MonthAnswer) -> list[Reply]:
    if isinstance(answer, InvalidMonth):
        return say(ctx._("“{text}” is not a month I know. Try /due 8/2023 or /due tháng sau.")
                    .format(text=answer.text))
    month = answer or Month.of(ctx.today)
    target = await _target_unit(ctx, unit_text, month)
    if isinstance(target, list):
        return target
    return [await show_month(ctx, target, month)]


async def due_command(ctx: Context, args: str) -> list[Reply]:
    return await _due(ctx, without_month(args), find_month(args, ctx.today))


async def due_intent(ctx: Context, intent: AskDue) -> list[Reply]:
    return await _due(ctx, "", intent.month)


async def due_choice(ctx: Context, data: str) -> list[Reply]:
    """A month-navigation or unit button. The data may be forged: check everything."""
    _, unit_id, month_text = [*data.split(":", 2), "", ""][:3]
    month = find_month(month_text, ctx.today)
    if unit_id not in ctx.services.directory or not isinstance(month, Month) \
            or not await _may_see(ctx, ctx.services.directory.successor(unit_id)):
        return say(ctx._("This button is no longer valid. Send /due again."))
    return [await show_month(ctx, unit_id, month, edit=True)]


async def _may_see(ctx: Context, unit_id: str) -> bool:
    """Whoever pressed the button may see this unit: its member or an admin in private,
    anyone in the group bound to it, anyone in a province-wide group."""
    if ctx.in_group:
        chat = await ctx.groups.chat(ctx.incoming.channel, ctx.incoming.chat_id)
        return chat is not None and chat.active and (
            chat.province_wide or chat.unit_id == unit_id)
    return ctx.member is not None and ctx.member.may_see(unit_id)


async def overdue_command(ctx: Context, args: str) -> list[Reply]:
    target = await _target_unit(ctx, without_month(args), Month.of(ctx.today))
    if isinstance(target, list):
        return target
    items = await ctx.services.overdue(target, ctx.today)
    name = ctx.services.directory.get(target).name
    return [Reply(render_overdue(name, items, _view(ctx)))]


async def tasks_command(ctx: Context, args: str) -> list[Reply]:
    """Every task of the unit in the open plans, deadline or not."""
    target = await _target_unit(ctx, without_month(args), Month.of(ctx.today))
    if isinstance(target, list):
        return target
    found = ctx.services.assignments(target)
    name = ctx.services.directory.get(target).name
    if not found:
        return say(ctx._("{unit} has no tasks in the open plans.").format(unit=name))
    lines = [bold(ctx._("{unit} — all tasks").format(unit=name))]
    for a in found:
        role = {"lead": ctx._("lead"), "coordinating": ctx._("coordinating"),
                "collect": ctx._("collect")}[a.role.value]
        deadline = a.task.deadline_text or ctx._("no deadline")
        lines.append(plain(f"• {a.task.code} — {a.task.title}"))
        lines.append(italic(f"   {role} · «{deadline}»"))
    return [Reply(join(lines))]

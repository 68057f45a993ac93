"""/start, /help and /units: what the bot can do, in the user's language."""

from __future__ import annotations

from bot.i18n import N_
from bot.messages import Reply
from bot.rich import bold, join, plain
from bot.units import UnitKind
from handlers.context import Context


def _examples(ctx: Context) -> list[str]:
    return [
        ctx._("/due — what your unit is due for this month"),
        ctx._("/due 8/2023 or /due tháng sau — another month"),
        ctx._("/overdue — what is overdue"),
        ctx._("/tasks — every task of your unit in the plan"),
        ctx._("/units — the list of units"),
        ctx._("Or just write: “tháng này đơn vị tôi phải làm gì”, “thang 8 phai nop gi”, "
              "“việc quá hạn”."),
    ]


async def help_command(ctx: Context, args: str) -> list[Reply]:
    lines = [bold(ctx._("Nhắc việc — reminders and reports for your unit")), *map(
        plain, _examples(ctx))]
    if ctx.member and ctx.member.is_admin:
        lines.append(plain(ctx._("Admins: /due <unit> [month], e.g. /due Sở Tư pháp 8/2023")))
    return [Reply(join(lines))]


async def start_command(ctx: Context, args: str) -> list[Reply]:
    member = ctx.member
    if member is None:
        greeting = ctx._("Welcome to Nhắc việc. You are not registered with a unit yet.")
    elif member.unit_id:
        greeting = ctx._("Welcome back. You are registered with {unit}.").format(
            unit=ctx.services.directory.get(member.unit_id).name)
    else:
        greeting = ctx._("Welcome back. You are an administrator.")
    return [Reply(plain(greeting)), *await help_command(ctx, args)]


_KIND_TITLES = {
    UnitKind.DEPARTMENT: N_("Departments, boards and sectors"),
    UnitKind.LOCALITY: N_("Localities"),
    UnitKind.EXPERT_TEAM: N_("Expert teams"),
    UnitKind.OTHER: N_("Other bodies"),
}


async def units_command(ctx: Context, args: str) -> list[Reply]:
    directory = ctx.services.directory
    blocks = []
    for kind, title in _KIND_TITLES.items():
        units = sorted((u for u in directory.concrete_units() if u.kind is kind),
                       key=lambda u: u.name)
        if units:
            names = [plain(f"• {u.name}" + (f" ({u.abbreviations[0]})" if u.abbreviations
                                            else "")) for u in units]
            blocks.append(join([bold(ctx._(title)), *names]))
    return [Reply(join(blocks, "\n\n"))]

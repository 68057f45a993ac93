"""/help and /units: what the bot can do, in the user's language."""

from __future__ import annotations

from bot.i18n import N_, Translator
from bot.members import Member, MemberRole
from bot.messages import Reply
from bot.rich import Rich, bold, join, plain
from bot.units import UnitKind
from handlers.context import Context


def help_lines(t: Translator, member: Member | None) -> list[Rich]:
    """The commands, with examples, in the reader's language."""
    lines = [
        t.gettext("/due — what your unit is due for this month"),
        t.gettext("/due 8/2023 or /due tháng sau — another month"),
        t.gettext("/update — send a progress update (or /update 12 xong 80%)"),
        t.gettext("/history — your unit's recent updates"),
        t.gettext("/overdue — what is overdue"),
        t.gettext("/tasks — every task of your unit in the plan"),
        t.gettext("/whoami, /lang vi|en, /leave — you and your settings"),
        t.gettext("/link — link your Telegram and Zalo accounts with a one-time code; "
                  "/kenh zalo|telegram|ca-hai — where reminders go; /unlink"),
        t.gettext("Or just write: “tháng này đơn vị tôi phải làm gì”, “thang 8 phai nop gi”, "
                  "“việc quá hạn”."),
    ]
    if member and member.is_admin:
        lines += [
            t.gettext("Admins: /due <unit> [month], e.g. /due Sở Tư pháp 8/2023"),
            t.gettext("Admins: /invite <unit> — a one-time invite link"),
            t.gettext("Admins: /report [22/8] — who has reported for a cycle, with the files"),
            t.gettext("Admins: /report unit <unit> — one unit's reports, cycle by cycle"),
            t.gettext("Admins: /broadcast — a notice to everyone, to groups, to chosen "
                      "units or to those who have not reported; /broadcasts — who "
                      "acknowledged"),
            t.gettext("Admins: /members [unit] — members, roles; /promote <member> "
                      "[lead|admin], /demote <member>, /remove <member>"),
            t.gettext("Admins: /requests — join requests waiting for a decision"),
            t.gettext("Admins: /units add|rename|merge|deactivate|activate — edit the units"),
            t.gettext("Admins: /audit [n] — the latest admin actions"),
            t.gettext("Admins: send me a plan's document to import it; /plans — the plans, "
                      "activate or deactivate"),
            t.gettext("In a group: /bind <unit> or /bind all, /unbind"),
        ]
    elif member and member.role is MemberRole.LEAD:
        lines += [
            t.gettext("Unit leads: /members — your unit's members; /remove <member> "
                      "removes an officer"),
            t.gettext("Unit leads: /requests — requests to join your unit"),
        ]
    return [plain(line) for line in lines]


async def help_command(ctx: Context, args: str) -> list[Reply]:
    title = bold(ctx._("Nhắc việc — reminders and reports for your unit"))
    return [Reply(join([title, *help_lines(ctx.t, ctx.member)]))]


KIND_TITLES = {
    UnitKind.DEPARTMENT: N_("Departments, boards and sectors"),
    UnitKind.LOCALITY: N_("Localities"),
    UnitKind.EXPERT_TEAM: N_("Expert teams"),
    UnitKind.OTHER: N_("Other bodies"),
}


async def units_command(ctx: Context, args: str) -> list[Reply]:
    directory = ctx.services.directory
    blocks = []
    for kind, title in KIND_TITLES.items():
        units = sorted((u for u in directory.concrete_units() if u.kind is kind),
                       key=lambda u: u.name)
        if units:
            names = [plain(f"• {u.name}" + (f" ({u.abbreviations[0]})" if u.abbreviations
                                            else "")) for u in units]
            blocks.append(join([bold(ctx._(title)), *names]))
    return [Reply(join(blocks, "\n\n"))]

"""/audit (/nhatky): the latest entries of the audit log for admins — when (local
time), who, what, on what, and how it ended — a line or two each."""

from __future__ import annotations

from bot.i18n import N_, format_datetime
from bot.messages import Reply
from bot.rich import Rich, bold, join, plain
from bot.usecases.audit import MAX_RECENT, Outcome
from handlers.access import refuse_in_group, refuse_unless_admin
from handlers.context import Context
from handlers.replies import say

DEFAULT_COUNT = 20

# What each action is called in the log; an action not listed shows its code name.
ACTION_LABELS = {
    "member.promote": N_("role raised"), "member.demote": N_("role lowered"),
    "member.remove": N_("member removed"), "member.list": N_("member list"),
    "member.view": N_("member card"), "member.link": N_("accounts linked"),
    "member.unlink": N_("accounts unlinked"), "unit.add": N_("unit added"),
    "unit.rename": N_("unit renamed"), "unit.merge": N_("units merged"),
    "unit.deactivate": N_("unit deactivated"), "unit.activate": N_("unit activated"),
    "unit.edit": N_("unit edit"), "invite.create": N_("invite created"),
    "join.approve": N_("join approved"), "join.reject": N_("join rejected"),
    "join.list": N_("join requests"), "group.bind": N_("group linked"),
    "group.unbind": N_("group unlinked"), "calendar.dayoff": N_("day off added"),
    "calendar.workday": N_("working day added"), "calendar.remove": N_("calendar day removed"),
    "reminders.set": N_("reminder settings"), "reminders.reset": N_("reminder settings reset"),
    "broadcast.send": N_("notice sent"), "broadcast.cancel": N_("notice cancelled"),
    "broadcast.start": N_("notice composed"), "broadcast.list": N_("notice list"),
    "report.remind": N_("missing units reminded"), "report": N_("cycle report"),
    "audit.view": N_("audit log"),
}


def _action(ctx: Context, action: str) -> str:
    label = ACTION_LABELS.get(action)
    return ctx._(label) if label else action


def _outcome(ctx: Context, outcome: str) -> str:
    return {Outcome.OK.value: "✓", Outcome.DENIED.value: "⛔ " + ctx._("denied"),
            Outcome.FAILED.value: "✗ " + ctx._("failed")}.get(outcome, outcome)


async def audit_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := refuse_in_group(ctx) or await refuse_unless_admin(
            ctx, "audit.view", message=ctx._("Only administrators can read the audit log.")):
        return refusal
    wanted = args.strip()
    if wanted and not wanted.isdigit():
        return say(ctx._("Send /audit, or /audit 50 for more entries (at most {n}).").format(
            n=MAX_RECENT))
    count = max(1, min(int(wanted) if wanted else DEFAULT_COUNT, MAX_RECENT))
    records = await ctx.audit.recent(count)
    if not records:
        return say(ctx._("The audit log is empty."))
    names = await ctx.audit.names(records)
    tz = ctx.services.settings.timezone
    lines: list[Rich] = [bold(ctx.t.ngettext("The latest {n} entry", "The latest {n} entries",
                                             len(records)).format(n=len(records)))]
    for record in records:
        who = names.get(record.actor, record.actor)
        target = names.get(record.target or "", record.target or "")
        action = _action(ctx, record.action)
        what = f"{action} → {target}" if target else action
        lines.append(plain(f"• {format_datetime(record.at, ctx.language, tz)} · {who}"))
        lines.append(plain(f"   {what} · {_outcome(ctx, record.outcome)}"))
    return [Reply(join(lines))]

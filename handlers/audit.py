"""/audit (/nhatky): the latest entries of the audit log for admins — when (local
time), who, what, on what, and how it ended — a line or two each."""

from __future__ import annotations

from bot.i18n import format_datetime
from bot.messages import Reply
from bot.rich import Rich, bold, join, plain
from bot.usecases.audit import MAX_RECENT, Outcome
from handlers.access import refuse_in_group, refuse_unless_admin
from handlers.context import Context
from handlers.replies import say

DEFAULT_COUNT = 20


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
        what = f"{record.action} → {target}" if target else record.action
        lines.append(plain(f"• {format_datetime(record.at, ctx.language, tz)} · {who}"))
        lines.append(plain(f"   {what} · {_outcome(ctx, record.outcome)}"))
    return [Reply(join(lines))]

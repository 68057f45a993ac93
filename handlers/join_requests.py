"""/requests (/yeucau): the join requests waiting for a decision, as the same cards
with Approve / Reject (``jr:a:<id>`` / ``jr:r:<id>``) that admins and leads receive
when someone asks. Admins see every request, a lead those for their own unit."""

from __future__ import annotations

from bot.messages import Reply
from bot.rich import plain
from handlers.access import refuse, refuse_in_group
from handlers.context import Context
from handlers.members import is_manager
from handlers.onboarding import request_card
from handlers.replies import say

MAX_CARDS = 10  # a phone's screenful; the oldest first, the rest after these


async def requests_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := refuse_in_group(ctx):
        return refusal
    member = ctx.member
    if not is_manager(member):
        return await refuse(ctx, "join.list", ctx._(
            "Only administrators and unit leads can see join requests."))
    assert member is not None
    pending = await ctx.onboarding.pending(None if member.is_admin else member.unit_id)
    if not pending:
        return say(ctx._("No join requests are waiting."))
    head = ctx.t.ngettext("{n} join request is waiting:", "{n} join requests are waiting:",
                          len(pending)).format(n=len(pending))
    replies = [Reply(plain(head))]
    replies += [request_card(ctx, request, member, None) for request in pending[:MAX_CARDS]]
    if len(pending) > MAX_CARDS:
        replies.append(Reply(plain(ctx._("…and {n} more: decide these first, then send "
                                         "/requests again.").format(
            n=len(pending) - MAX_CARDS))))
    return replies

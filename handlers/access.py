"""Who may do what. Every admin command and every admin button asks here, because
button data can be forged: a check at the moment of the press, never a trust in the
button having been shown only to admins."""

from __future__ import annotations

from bot.messages import Reply
from bot.usecases.audit import Outcome
from handlers.context import Context
from handlers.replies import say


async def refuse(ctx: Context, action: str, message: str, *,
                 target: str | None = None) -> list[Reply]:
    """A polite refusal, and the attempt in the audit log as denied."""
    await ctx.audit.record(actor=ctx.actor, action=action, target=target, at=ctx.now,
                           outcome=Outcome.DENIED)
    return say(message)


async def refuse_unless_admin(ctx: Context, action: str, *, target: str | None = None,
                              message: str | None = None) -> list[Reply] | None:
    """None for an admin; otherwise a polite refusal (``message``, or a general one),
    and the attempt is audited."""
    if ctx.is_admin:
        return None
    return await refuse(ctx, action, message or ctx._("Only administrators can do this."),
                        target=target)


def refuse_in_group(ctx: Context) -> list[Reply] | None:
    """Admin work happens in a private chat: a group sees nothing of it."""
    if ctx.in_group:
        return say(ctx._("Please use this command in a private chat with me."))
    return None

"""Group chats: /bind a group to a unit (or the province), /unbind, and the platform's
news about the group (the bot was added, removed, the group migrated)."""

from __future__ import annotations

from bot.messages import ChatEvent, Reply
from handlers.access import refuse
from handlers.context import Context
from handlers.replies import say

ALL_WORDS = ("all", "tat ca", "tất cả", "toan tinh", "toàn tỉnh")


async def chat_event(ctx: Context) -> list[Reply]:
    incoming = ctx.incoming
    if incoming.event is ChatEvent.BOT_ADDED:
        if not ctx.in_group:
            return []  # unblocked: they will write when they need us
        await ctx.groups.joined(incoming.channel, incoming.chat_id,
                                incoming.chat_title or "", ctx.now)
        return say(ctx._("Hello! A group admin who is also a bot admin can link this group "
                          "to a unit with /bind <unit>, or to the whole province with "
                          "/bind all."))
    if incoming.event is ChatEvent.BOT_REMOVED:
        if ctx.in_group:
            await ctx.groups.left(incoming.channel, incoming.chat_id, ctx.now)
        else:  # the person blocked the bot: stop pushing to them
            await ctx.groups.unreachable(incoming.channel, incoming.chat_id, ctx.now)
    elif incoming.event is ChatEvent.MIGRATED and incoming.migrated_to:
        await ctx.groups.migrated(incoming.channel, incoming.chat_id, incoming.migrated_to,
                                  ctx.now)
    return []


async def _may_bind(ctx: Context, action: str) -> list[Reply] | None:
    """None when the sender may (un)bind this chat; else the polite refusal (audited)."""
    if not ctx.in_group:
        return say(ctx._("Use this command in the group you want to link."))
    member = ctx.member
    if not (member and member.is_admin) or not await ctx.port.is_chat_admin(
            ctx.incoming.chat_id, ctx.incoming.user_id):
        return await refuse(ctx, action, ctx._(
            "Sorry, only a group administrator who is also a bot administrator can link "
            "this group."), target=f"chat:{ctx.incoming.channel}:{ctx.incoming.chat_id}")
    return None


async def bind_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := await _may_bind(ctx, "group.bind"):
        return refusal
    wanted = args.strip()
    if not wanted:
        return say(ctx._("Send /bind followed by the unit's name, or /bind all."))
    province_wide = wanted.lower() in ALL_WORDS
    unit_id = None if province_wide else ctx.services.resolve_unit(wanted)
    if not province_wide and unit_id is None:
        return say(ctx._("No unit matches “{name}”. Send /units to see the list.").format(
            name=wanted[:80]))
    chat = await ctx.groups.bind(ctx.incoming.channel, ctx.incoming.chat_id,
                                 title=ctx.incoming.chat_title or "", unit_id=unit_id,
                                 bound_by=ctx.actor, now=ctx.now)
    if chat.unit_id:
        return say(ctx._("This group is now linked to {unit}: it will receive its "
                          "reminders, and /due here shows its month.").format(
            unit=ctx.services.directory.get(chat.unit_id).name))
    return say(ctx._("This group is now linked to the whole province: it will receive "
                      "province-wide reminders and broadcasts."))


async def unbind_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := await _may_bind(ctx, "group.unbind"):
        return refusal
    await ctx.groups.unbind(ctx.incoming.channel, ctx.incoming.chat_id, now=ctx.now,
                            by=ctx.actor)
    return say(ctx._("This group is no longer linked to any unit."))

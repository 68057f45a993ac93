"""/broadcast (/thongbao): an admin sends an instruction — text, a forwarded message,
a photo or a document with its caption — to the audience they choose, after a
preview; the card then follows the sending and ends with a summary. Recipients tap
"Đã nhận"; /broadcasts (/dsthongbao) lists recent ones with who has not acknowledged.

Button data: ``bc:<verb>:<broadcast id>[:<argument>…]``. Every verb but ``ok`` (a
recipient's acknowledgement) is an admin's, and rights are checked at every press.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.messages import Option, Reply
from bot.rich import join, plain
from bot.usecases.broadcasts import MAX_TEXT, Broadcast, Content, SendResult
from bot.usecases.conversations import Step
from handlers import broadcast_audience as audience
from handlers.access import refuse_in_group, refuse_unless_admin
from handlers.broadcast_view import details_card, list_line, progress_card
from handlers.context import Context
from handlers.replies import say

CONTENT_STEP = "broadcast.content"
RECENT = 10


async def broadcast_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := refuse_in_group(ctx) or await refuse_unless_admin(ctx, "broadcast.start"):
        return refusal
    if args.strip():
        return await _composed(ctx, args.strip())
    await ctx.conversations.expect(ctx.incoming, CONTENT_STEP, {}, ctx.now)
    return say(ctx._("Send the notice: a text, a photo or a document with a caption, or "
                     "forward a message here. /cancel to stop."))


async def content_step(ctx: Context, step: Step, text: str) -> list[Reply]:
    if not ctx.is_admin:
        await ctx.conversations.done(ctx.incoming)
        return say(ctx._("Only administrators can do this."))
    return await _composed(ctx, text)


def _sender(ctx: Context) -> str:
    member = ctx.member
    name = (member.display_name if member else "") or ctx.incoming.display_name
    if member and member.unit_id:
        return f"{name} ({ctx.services.directory.get(member.unit_id).name})"
    return name


async def _composed(ctx: Context, text: str) -> list[Reply]:
    media = ctx.incoming.media
    if not text and media is None:
        return say(ctx._("The notice is empty. Send a text, a photo or a document."))
    if len(text) > MAX_TEXT:
        return say(ctx._("The notice is too long: at most {n} characters. Please shorten "
                         "it and send it again.").format(n=MAX_TEXT))
    await ctx.conversations.done(ctx.incoming)
    broadcast = await ctx.broadcasts.draft(Content(text, media, _sender(ctx)),
                                           creator=ctx.member, actor=ctx.actor,
                                           language=ctx.language, now=ctx.now)
    return [audience.audience_menu(ctx, broadcast.id)]


# --- the buttons -------------------------------------------------------------------------

Verb = Callable[[Context, Broadcast, list[str]], Awaitable[list[Reply]]]


async def broadcast_choice(ctx: Context, data: str) -> list[Reply]:
    _, verb, number, *rest = [*data.split(":"), "", ""][:5]
    broadcast = await ctx.broadcasts.get(int(number)) if number.isdigit() else None
    if verb == "ok":
        return await _acknowledge(ctx, broadcast)
    if refusal := await refuse_unless_admin(ctx, f"broadcast.{verb or 'button'}",
                                            target=number or None):
        return refusal
    handler = _VERBS.get(verb)
    if broadcast is None or handler is None:
        return say(ctx._("This button is no longer valid."))
    return await handler(ctx, broadcast, [part for part in rest if part])


async def _draft_only(ctx: Context, broadcast: Broadcast) -> list[Reply] | None:
    if broadcast.status.value != "draft":
        return say(ctx._("Notice #{id} has already been sent or cancelled.").format(
            id=broadcast.id))
    return None


def _drafting(step: Callable[..., Awaitable[list[Reply]]], arity: int = 0) -> Verb:
    """A verb that changes a draft: refused once the broadcast is sent or cancelled,
    and when its arguments are missing (forged data)."""
    async def verb(ctx: Context, broadcast: Broadcast, args: list[str]) -> list[Reply]:
        if refusal := await _draft_only(ctx, broadcast):
            return refusal
        if len(args) < arity:
            return say(ctx._("This button is no longer valid."))
        return await step(ctx, broadcast, *args[:arity])
    return verb


async def _back_to_menu(ctx: Context, broadcast: Broadcast) -> list[Reply]:
    await ctx.conversations.done(ctx.incoming)
    return [audience.audience_menu(ctx, broadcast.id, edit=True)]


async def _send(ctx: Context, broadcast: Broadcast, args: list[str]) -> list[Reply]:
    incoming = ctx.incoming
    result = await ctx.broadcasts.send(broadcast.id, control_channel=incoming.channel,
                                       control_chat_id=incoming.chat_id,
                                       control_message_id=incoming.message_id, now=ctx.now)
    if result is SendResult.NO_AUDIENCE:
        return say(ctx._("Choose who receives it first."))
    if result is SendResult.NOBODY:
        return say(ctx._("Nobody can be reached with this choice yet. Change the "
                         "recipients or cancel."))
    if result is SendResult.ALREADY:
        return say(ctx._("Notice #{id} has already been sent or cancelled.").format(
            id=broadcast.id))
    await ctx.audit.record(actor=ctx.actor, action="broadcast.send", at=ctx.now,
                           target=str(broadcast.id), detail=broadcast.audience.to_dict()
                           if broadcast.audience else None)
    sending = await ctx.broadcasts.get(broadcast.id)
    assert sending is not None
    progress = await ctx.broadcasts.progress(broadcast.id)
    card = progress_card(sending, progress, ctx.services.directory, final=False,
                         unreachable=[])
    return [Reply(card.body, options=card.options, edit=True)]


async def _cancel(ctx: Context, broadcast: Broadcast, args: list[str]) -> list[Reply]:
    was_draft = broadcast.status.value == "draft"
    progress = await ctx.broadcasts.cancel(broadcast.id, by=ctx.actor, now=ctx.now)
    if progress is None:
        return say(ctx._("Notice #{id} is not being sent any more.").format(id=broadcast.id))
    await ctx.conversations.done(ctx.incoming)
    await ctx.audit.record(actor=ctx.actor, action="broadcast.cancel", at=ctx.now,
                           target=str(broadcast.id),
                           detail={"sent": progress.sent, "dropped": progress.dropped})
    if was_draft:
        return [Reply(plain(ctx._("Notice #{id} was cancelled; nothing was sent.").format(
            id=broadcast.id)), edit=True)]
    return [Reply(plain(ctx._("Stopped notice #{id}: {sent} sent stay sent, {dropped} not "
                              "sent were dropped.").format(
        id=broadcast.id, sent=progress.sent, dropped=progress.dropped)), edit=True)]


async def _details(ctx: Context, broadcast: Broadcast, args: list[str]) -> list[Reply]:
    progress = await ctx.broadcasts.progress(broadcast.id)
    acks = await ctx.broadcasts.acknowledgements(broadcast.id)
    return [details_card(broadcast, progress, acks, ctx.services.directory, ctx.t,
                         ctx.services.settings.timezone)]


async def _acknowledge(ctx: Context, broadcast: Broadcast | None) -> list[Reply]:
    incoming = ctx.incoming
    first = None if broadcast is None else await ctx.broadcasts.acknowledge(
        broadcast.id, channel=incoming.channel, user_id=incoming.user_id,
        chat_id=incoming.chat_id, member=ctx.member, now=ctx.now)
    if first is None:
        text = ctx._("This is only a preview: nothing to acknowledge.") if broadcast \
            else ctx._("This button is no longer valid.")
    elif first:
        text = ctx._("✓ Thank you: noted that you received it.")
    else:
        text = ctx._("You had already acknowledged it.")
    return [Reply(plain(text), notice=True)]


_VERBS: dict[str, Verb] = {
    "a": _drafting(audience.choose_kind_of_audience, 1),
    "k": _drafting(audience.choose_unit_kind, 1),
    "m": _drafting(audience.choose_cycle, 2),
    "t": _drafting(audience.toggle_unit, 1),
    "d": _drafting(audience.units_done),
    "e": _drafting(_back_to_menu),
    "go": _send,
    "x": _cancel,
    "i": _details,
}


async def broadcasts_command(ctx: Context, args: str) -> list[Reply]:
    """The latest broadcasts, each with a button to its details."""
    if refusal := refuse_in_group(ctx) or await refuse_unless_admin(ctx, "broadcast.list"):
        return refusal
    recent = await ctx.broadcasts.recent(RECENT)
    if not recent:
        return say(ctx._("No notice has been sent yet. Send /broadcast to write one."))
    lines, rows = [plain(ctx._("Recent notices:"))], []
    tz = ctx.services.settings.timezone
    for broadcast in recent:
        progress = await ctx.broadcasts.progress(broadcast.id)
        acks = await ctx.broadcasts.acknowledgements(broadcast.id)
        lines.append(plain("• " + list_line(broadcast, progress, acks, ctx.t, tz)))
        rows.append((Option(f"#{broadcast.id}", f"bc:i:{broadcast.id}"),))
    return [Reply(join(lines), options=tuple(rows))]

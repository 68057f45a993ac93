"""What a broadcast looks like: the message recipients get (with its "Đã nhận"
button), and the admin's card — the preview, the progress while sending, the
summary naming who could not be reached and why."""

from __future__ import annotations

from datetime import tzinfo

from bot.audience import Audience, AudienceKind
from bot.i18n import N_, Translator, format_datetime, format_day, translator
from bot.messages import Option, Reply
from bot.outbox import Failure
from bot.rich import Rich, bold, italic, join, plain
from bot.units import Directory
from bot.usecases.broadcasts import Acknowledgements, Broadcast, Content, Progress, Reach
from handlers.help import KIND_TITLES
from storage.broadcasts import Delivered

NAMES_SHOWN = 5  # units named in an audience label before "and N more"
LIST_LIMIT = 30  # people listed in a card before "and N more"
CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "local": N_("the local chat")}

_FAILURES = {
    Failure.BLOCKED: N_("blocked the bot"),
    Failure.REMOVED: N_("the bot is no longer in the group"),
    Failure.DEACTIVATED: N_("the account no longer exists"),
    Failure.UNREACHABLE: N_("cannot be reached"),
    Failure.REJECTED: N_("the platform refused the message"),
    Failure.GAVE_UP: N_("still failing after several attempts"),
}


def render_broadcast(content: Content, *, broadcast_id: int, language: str,
                     channel: str) -> Reply:
    """The message as every recipient sees it, in their language, on their channel."""
    t = translator(language)
    lines: list[Rich] = [bold(t.gettext("📢 Notice"))]
    if content.text:
        lines.append(plain(content.text))
    media = content.media
    if media is not None and media.channel != channel:
        # A platform's file id means nothing on another platform: say where it is.
        where = t.gettext(CHANNEL_NAMES.get(media.channel, media.channel))
        note = (t.gettext("📎 With a photo, on {channel}") if media.kind == "photo"
                else t.gettext("📎 With a file ({name}), on {channel}"))
        lines.append(italic(note.format(channel=where, name=media.filename or "")))
    if content.sender:
        lines.append(italic(f"— {content.sender}"))
    button = Option(t.gettext("✓ Received"), f"bc:ok:{broadcast_id}")
    return Reply(join(lines), options=((button,),),
                 media=media if media is not None and media.channel == channel else None)


def audience_label(audience: Audience, directory: Directory, t: Translator) -> str:
    match audience.kind:
        case AudienceKind.EVERYONE:
            return t.gettext("every member, privately")
        case AudienceKind.GROUPS:
            return t.gettext("every group")
        case AudienceKind.UNIT_KIND:
            assert audience.unit_kind is not None
            return t.gettext(KIND_TITLES[audience.unit_kind])
        case AudienceKind.MISSING:
            assert audience.cycle is not None
            return t.gettext("units that have not reported for {task} of {date}").format(
                task=audience.cycle.task_code, date=format_day(audience.cycle.due, t.language))
    names = [directory.get(u).name for u in audience.units if u in directory]
    shown = ", ".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        shown += " " + t.gettext("and {n} more units").format(n=len(names) - NAMES_SHOWN)
    return shown or "—"


def reach_line(reach: Reach, t: Translator) -> str:
    people = t.ngettext("{n} person", "{n} people", reach.people).format(n=reach.people)
    groups = t.ngettext("{n} group", "{n} groups", reach.groups).format(n=reach.groups)
    return t.gettext("It will reach {people} and {groups}.").format(people=people,
                                                                    groups=groups)


def preview_card(broadcast: Broadcast, reach: Reach, directory: Directory,
                 t: Translator) -> Reply:
    assert broadcast.audience is not None
    body = join([
        bold(t.gettext("Preview of notice #{id}").format(id=broadcast.id)),
        plain(t.gettext("To: {audience}").format(
            audience=audience_label(broadcast.audience, directory, t))),
        plain(reach_line(reach, t)),
        italic(t.gettext("The message above is exactly what they will see.")),
    ])
    buttons = (Option(t.gettext("📤 Send"), f"bc:go:{broadcast.id}"),
               Option(t.gettext("✏️ Change recipients"), f"bc:e:{broadcast.id}"),
               Option(t.gettext("✗ Cancel"), f"bc:x:{broadcast.id}"))
    return Reply(body, options=(buttons,))


def _counts(progress: Progress, t: Translator) -> str:
    return t.gettext("Sent {sent} · failed {failed} · left {left} · dropped {dropped}").format(
        sent=progress.sent, failed=progress.failed, left=progress.remaining,
        dropped=progress.dropped)


def recipient_name(delivered: Delivered, directory: Directory, t: Translator) -> str:
    if delivered.member_id is None:
        return t.gettext("group “{title}”").format(title=delivered.chat_title or
                                                   delivered.chat_id)
    name = delivered.member_name or t.gettext("a former member")
    if delivered.unit_id and delivered.unit_id in directory:
        return f"{name} ({directory.get(delivered.unit_id).name})"
    return name


def failure_label(code: str | None, t: Translator) -> str:
    try:
        return t.gettext(_FAILURES[Failure(code or Failure.UNREACHABLE)])
    except ValueError:
        return t.gettext(_FAILURES[Failure.UNREACHABLE])


def _listed(lines: list[Rich], names: list[str], t: Translator) -> None:
    lines.extend(plain(f"• {name}") for name in names[:LIST_LIMIT])
    if len(names) > LIST_LIMIT:
        lines.append(plain("• " + t.gettext("and {n} other recipients").format(
            n=len(names) - LIST_LIMIT)))


def progress_card(broadcast: Broadcast, progress: Progress, directory: Directory, *,
                  final: bool, unreachable: list[Delivered]) -> Reply:
    """While sending: counts and a Stop button. At the end: the summary, naming who
    could not be reached and why, and a way to see who has not acknowledged."""
    t = translator(broadcast.language)
    stopped = broadcast.status.value == "cancelled"
    if not final:
        title = t.gettext("⏳ Sending notice #{id}…")
    elif stopped:
        title = t.gettext("⏹ Notice #{id} was stopped")
    else:
        title = t.gettext("✅ Notice #{id} is sent")
    lines: list[Rich] = [bold(title.format(id=broadcast.id))]
    if broadcast.audience is not None:
        lines.append(plain(t.gettext("To: {audience}").format(
            audience=audience_label(broadcast.audience, directory, t))))
    lines.append(plain(_counts(progress, t)))
    if final and unreachable:
        lines.append(bold(t.gettext("Could not be reached:")))
        _listed(lines, [f"{recipient_name(d, directory, t)} — {failure_label(d.failure, t)}"
                        for d in unreachable], t)
    if not final:
        return Reply(join(lines), options=((Option(t.gettext("⏹ Stop sending"),
                                                   f"bc:x:{broadcast.id}"),),))
    return Reply(join(lines), options=((Option(t.gettext("👁 Who has not acknowledged?"),
                                               f"bc:i:{broadcast.id}"),),))


def details_card(broadcast: Broadcast, progress: Progress, acks: Acknowledgements,
                 directory: Directory, t: Translator, tz: tzinfo) -> Reply:
    """One broadcast for the admin: what, to whom, how far, who has not acknowledged."""
    when = broadcast.queued_at or broadcast.created_at
    lines: list[Rich] = [
        bold(t.gettext("Notice #{id} · {when}").format(
            id=broadcast.id, when=format_datetime(when, t.language, tz))),
        italic(f"«{_excerpt(broadcast.content.text)}»"),
    ]
    if broadcast.audience is not None:
        lines.append(plain(t.gettext("To: {audience}").format(
            audience=audience_label(broadcast.audience, directory, t))))
    lines.append(plain(_counts(progress, t)))
    lines.append(plain(t.gettext("Acknowledged: {people}/{people_total} people · "
                                 "{groups}/{groups_total} groups").format(
        people=acks.people_acked, people_total=acks.people, groups=acks.groups_acked,
        groups_total=acks.groups)))
    if acks.not_acked:
        lines.append(bold(t.gettext("Not acknowledged yet ({n}):").format(
            n=len(acks.not_acked))))
        _listed(lines, [recipient_name(d, directory, t) for d in acks.not_acked], t)
    return Reply(join(lines))


def _excerpt(text: str, length: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def list_line(broadcast: Broadcast, progress: Progress, acks: Acknowledgements,
              t: Translator, tz: tzinfo) -> str:
    when = broadcast.queued_at or broadcast.created_at
    return t.gettext("#{id} · {when} · sent {sent}/{total} · acknowledged {acked}").format(
        id=broadcast.id, when=format_datetime(when, t.language, tz), sent=progress.sent,
        total=progress.total, acked=acks.acks)

"""/mute, /unmute, /vang (/away), /reminders; for admins /reminders all and the
calendar changes /dayoff (/nghibu) and /workday (/lambu)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.absence import InvalidAbsence, parse_absence
from bot.i18n import format_datetime, format_day
from bot.messages import Reply
from bot.reminders import Reminder, ReminderKind
from bot.rich import Rich, bold, join, plain
from handlers.access import refuse_unless_admin
from handlers.context import Context
from handlers.replies import say

UPCOMING_DAYS = 30
ADMIN_WEEK = 7
CLEAR_WORDS = ("off", "xoa", "xoá", "huy", "huỷ", "hủy", "clear", "none")


def _private_member(ctx: Context) -> list[Reply] | None:
    if ctx.in_group:
        return say(ctx._("Please use this command in a private chat with me."))
    if ctx.member is None or (ctx.member.unit_id is None and not ctx.member.is_admin):
        return say(ctx._("You are not registered with a unit yet. Send /start to join."))
    return None


async def mute_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := _private_member(ctx):
        return refusal
    assert ctx.member is not None
    await ctx.preferences.mute(ctx.member, True)
    return say(ctx._("Your private reminders are off. Your unit's groups still get theirs. "
                     "/unmute to turn them back on."))


async def unmute_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := _private_member(ctx):
        return refusal
    assert ctx.member is not None
    await ctx.preferences.mute(ctx.member, False)
    return say(ctx._("Your private reminders are on again."))


async def away_command(ctx: Context, args: str) -> list[Reply]:
    if refusal := _private_member(ctx):
        return refusal
    member = ctx.member
    assert member is not None
    wanted = args.strip()
    if wanted.lower() in CLEAR_WORDS:
        await ctx.preferences.clear_absences(member)
        return say(ctx._("Your absences are cleared."))
    if not wanted:
        current = await ctx.preferences.absences(member, ctx.today)
        if not current:
            return say(ctx._("No absence set. Example: /vang 3/12-10/12"))
        lines = [plain(ctx._("No reminders to you on these days:"))]
        lines += [plain(f"• {format_day(a.starts, ctx.language)} – "
                        f"{format_day(a.ends, ctx.language)}") for a in current]
        return [Reply(join(lines))]
    try:
        starts, ends = parse_absence(wanted, ctx.today)
    except InvalidAbsence:
        return say(ctx._("I could not read those dates. Example: /vang 3/12-10/12 or "
                         "/away 2026-12-03..2026-12-10"))
    await ctx.preferences.add_absence(member, starts, ends, ctx.now)
    return say(ctx._("Noted: no reminders to you from {start} to {end}. /vang off to "
                     "cancel.").format(start=format_day(starts, ctx.language),
                                       end=format_day(ends, ctx.language)))


def _line(ctx: Context, reminder: Reminder, count: int | None = None) -> Rich:
    tz = ctx.services.settings.timezone
    kind = {ReminderKind.BEFORE: ctx._("{n} working days before").format(n=reminder.lead),
            ReminderKind.DUE_DAY: ctx._("on the day"),
            ReminderKind.ESCALATION: ctx._("missing units to admins")}[reminder.kind]
    text = ctx._("• {when} — {code} {title} (due {date}; {kind})").format(
        when=format_datetime(reminder.send_at, ctx.language, tz), code=reminder.task.code,
        title=reminder.task.title, date=format_day(reminder.due, ctx.language), kind=kind)
    if count:
        text += " · " + ctx.t.ngettext("{n} unit", "{n} units", count).format(n=count)
    return plain(text)


async def reminders_command(ctx: Context, args: str) -> list[Reply]:
    if args.strip().lower() in ("all", "tatca", "tất cả", "tat ca"):
        return await _all_reminders(ctx)
    if refusal := _private_member(ctx):
        return refusal
    member = ctx.member
    assert member is not None
    if member.unit_id is None:
        return say(ctx._("Admins: /reminders all shows the next week's schedule."))
    start = ctx.now
    upcoming = await ctx.reminders.schedule(start, start + timedelta(days=UPCOMING_DAYS),
                                            units={member.unit_id})
    upcoming = [r for r in upcoming if r.kind is not ReminderKind.ESCALATION]
    header = bold(ctx._("Your reminders in the next {n} days").format(n=UPCOMING_DAYS))
    notes = []
    if await ctx.preferences.is_muted(member):
        notes.append(plain(ctx._("(Muted: they go to your unit's groups, not to you.)")))
    for absence in await ctx.preferences.absences(member, ctx.today):
        notes.append(plain(ctx._("(Away {start} – {end}: none to you then.)").format(
            start=format_day(absence.starts, ctx.language),
            end=format_day(absence.ends, ctx.language))))
    if not upcoming:
        return [Reply(join([header, plain(ctx._("Nothing is scheduled.")), *notes]))]
    return [Reply(join([header, *(_line(ctx, r) for r in upcoming), *notes]))]


async def _all_reminders(ctx: Context) -> list[Reply]:
    if not (ctx.member and ctx.member.is_admin):
        return say(ctx._("Only administrators can see the whole schedule."))
    start = ctx.now
    schedule = await ctx.reminders.schedule(start, start + timedelta(days=ADMIN_WEEK))
    if not schedule:
        return say(ctx._("No reminders in the next 7 days."))
    grouped: dict[tuple[datetime, str, str, int, str], list[Reminder]] = {}
    for reminder in schedule:
        key = (reminder.send_at, reminder.task.code, reminder.kind.value, reminder.lead,
               reminder.due.isoformat())
        grouped.setdefault(key, []).append(reminder)
    lines: list[Rich] = [bold(ctx._("Reminders in the next 7 days"))]
    for together in grouped.values():
        first = together[0]
        count = len(first.units) if first.kind is ReminderKind.ESCALATION else len(together)
        lines.append(_line(ctx, first, count))
    return [Reply(join(lines))]


async def _calendar(ctx: Context, args: str, kind: str) -> list[Reply]:
    if refusal := await refuse_unless_admin(
            ctx, "calendar.dayoff" if kind == "off" else "calendar.workday",
            message=ctx._("Only administrators can change the calendar.")):
        return refusal
    words = args.split()
    if not words:
        off, work = await ctx.preferences.calendar_changes()
        days = sorted(off if kind == "off" else work)
        if not days:
            return say(ctx._("No days added yet. Example: /dayoff 11/02/2027 Nghỉ bù"))
        return say("\n".join(f"• {format_day(d, ctx.language)}" for d in days))
    remove = words[0].lower() in CLEAR_WORDS
    day_text = words[1] if remove and len(words) > 1 else words[0]
    try:
        day, _ = parse_absence(day_text, ctx.today)
    except InvalidAbsence:
        return say(ctx._("I could not read that date. Example: /dayoff 11/02/2027"))
    note = " ".join(words[2:] if remove else words[1:])
    await ctx.preferences.change_calendar(day, None if remove else kind, note=note,
                                          by=ctx.actor, now=ctx.now)
    if remove:
        return say(ctx._("{date} is back to the usual calendar.").format(
            date=format_day(day, ctx.language)))
    template = (ctx._("{date} is now a day off: reminders move to the working day before.")
                if kind == "off" else
                ctx._("{date} is now a working day: reminders may fall on it."))
    return say(template.format(date=format_day(day, ctx.language)))


async def dayoff_command(ctx: Context, args: str) -> list[Reply]:
    return await _calendar(ctx, args, "off")


async def workday_command(ctx: Context, args: str) -> list[Reply]:
    return await _calendar(ctx, args, "work")

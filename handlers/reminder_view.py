"""What a reminder says: what is due, on which date and weekday, to whom it goes, the
plan's own words, whether the unit has reported for this cycle, and a one-tap way to
report (a button; the same as a command where there are no buttons)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from enum import StrEnum

from bot.i18n import format_day, translator
from bot.messages import Option, Reply
from bot.plans import Task
from bot.reminders import Reminder, ReminderKind
from bot.rich import Rich, bold, italic, join, plain
from bot.units import Directory
from bot.workdays import WorkingCalendar
from handlers.dates import occurrence_label


class Audience(StrEnum):
    MEMBER = "member"  # an officer of the unit, privately
    UNIT_GROUP = "unit_group"  # the unit's own group
    PROVINCE = "province"  # a province-wide group: every unit concerned in one message
    ADMIN = "admin"  # the escalation
    LEAD = "lead"  # the escalation, to a lead of one missing unit, privately


def _headline(reminder: Reminder, language: str, workdays: WorkingCalendar) -> str:
    t = translator(language)
    title = reminder.task.title
    if reminder.kind is ReminderKind.ESCALATION:
        return t.gettext("⚠ Due today: {title}").format(title=title)
    if reminder.kind is ReminderKind.BEFORE:
        return t.ngettext("⏰ {n} working day left: {title}",
                          "⏰ {n} working days left: {title}",
                          reminder.lead).format(n=reminder.lead, title=title)
    if reminder.send_at.date() == reminder.due:
        return t.gettext("📌 Due today: {title}").format(title=title)
    return t.gettext("📌 Last working day before the deadline: {title}").format(title=title)


def _facts(reminder: Reminder, language: str, directory: Directory,
           workdays: WorkingCalendar) -> list[Rich]:
    t = translator(language)
    phrase = reminder.task.deadline_text or ""
    due = occurrence_label(reminder.due, phrase, t, workdays)
    lines = [plain(t.gettext("Deadline: {due}").format(due=due))]
    receivers = [directory.get(u).name for u in reminder.task.recipients if u in directory]
    if receivers:
        lines.append(plain(t.gettext("Send to: {units}").format(units=", ".join(receivers))))
    quote = f"«{phrase}» · {reminder.task.code}" if phrase else reminder.task.code
    lines.append(italic(t.gettext("Plan: {quote}").format(quote=quote)))
    return lines


def _names(units: Collection[str], directory: Directory) -> list[str]:
    return [directory.get(u).name for u in units if u in directory]


def render_reminder(reminder: Reminder, *, audience: str, language: str,
                    directory: Directory, workdays: WorkingCalendar, task_id: int,
                    units: Collection[str] = ()) -> Reply:
    """``units``: for a province-wide group or an escalation, the units still missing."""
    t = translator(language)
    lines: list[Rich] = [bold(_headline(reminder, language, workdays)),
                         *_facts(reminder, language, directory, workdays)]
    if audience in (Audience.MEMBER, Audience.UNIT_GROUP, Audience.LEAD):
        # A lead's escalation names their own unit, passed in ``units``.
        unit_id = next(iter(units)) if audience == Audience.LEAD else reminder.units[0]
        lines.append(plain(t.gettext("{unit} has not sent an update for this cycle yet.")
                           .format(unit=directory.get(unit_id).name)))
    else:
        names = _names(units, directory)
        lines.append(plain(t.ngettext("{n} unit has not reported yet:",
                                      "{n} units have not reported yet:",
                                      len(names)).format(n=len(names))))
        lines.extend(plain(f"• {name}") for name in names)
    if audience == Audience.ADMIN:
        return Reply(join(lines))
    lines.append(plain(t.gettext("To report: /update {code} <what was done>").format(
        code=reminder.task.code)))
    button = Option(t.gettext("✍ Send an update"),
                    f"upd:c:{task_id}:{reminder.due:%Y%m%d}")
    return Reply(join(lines), options=((button,),))


def render_nudge(task: Task, due: date, unit: str, *, task_id: int, language: str,
                 workdays: WorkingCalendar, today: date) -> Reply:
    """An admin's "remind the missing units now", for one unit's members and groups:
    the reminder's look, and the same one-tap button for that very cycle."""
    t = translator(language)
    lines = [bold(t.gettext("🔔 From the administrators: the {date} report of {unit} has "
                            "not been received").format(date=format_day(due, language),
                                                        unit=unit)),
             plain(f"{task.code} — {task.title}"),
             plain(t.gettext("Deadline: {due}").format(
                 due=occurrence_label(due, task.deadline_text, t, workdays)))]
    if due >= today:
        # Past the due date /update would count for the next cycle: only the button,
        # which carries this cycle, reports for it.
        lines.append(plain(t.gettext("To report: /update {code} <what was done>").format(
            code=task.code)))
    button = Option(t.gettext("✍ Send an update"), f"upd:c:{task_id}:{due:%Y%m%d}")
    return Reply(join(lines), options=((button,),))

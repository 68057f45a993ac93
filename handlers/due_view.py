"""How a unit's month looks on a phone: short sections, one line per item, the plan's
own deadline phrase quoted under it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.agenda import Agenda, AgendaItem, ItemKind, Role
from bot.i18n import N_, Translator, format_day, format_month
from bot.rich import Rich, bold, italic, join, plain
from bot.units import Directory
from bot.workdays import WorkingCalendar
from handlers.dates import day_label, occurrence_label

BULLET = "• "
INDENT = "   "
# /due must fit a phone screen: a year-old plan can leave dozens of overdue items,
# which /overdue lists in full.
MAX_OVERDUE_IN_MONTH = 5

_SECTIONS: tuple[tuple[str, Role, tuple[ItemKind, ...]], ...] = (
    (N_("Deadlines this month"), Role.LEAD, (ItemKind.DEADLINE,)),
    (N_("Recurring reports"), Role.LEAD, (ItemKind.REPORT,)),
    (N_("In progress"), Role.LEAD, (ItemKind.ONGOING,)),
    (N_("Coordinating (other units lead)"), Role.COORDINATING,
     (ItemKind.DEADLINE, ItemKind.REPORT, ItemKind.ONGOING)),
    (N_("To collect (sent to your unit)"), Role.COLLECT, (ItemKind.DEADLINE, ItemKind.REPORT)),
)


@dataclass(frozen=True)
class View:
    """What rendering needs besides the agenda: the language, unit names, days off."""

    t: Translator
    directory: Directory
    workdays: WorkingCalendar


def _when(item: AgendaItem, view: View) -> str:
    t = view.t
    if item.kind is ItemKind.REPORT and item.due:
        return occurrence_label(item.due, item.task.deadline_text, t, view.workdays)
    if item.due:
        return t.gettext("due {day}").format(day=day_label(item.due, t, view.workdays))
    if item.until:
        return t.gettext("until {date}").format(date=format_day(item.until, t.language))
    return item.task.deadline_text or t.gettext("ongoing")


def _item_lines(item: AgendaItem, view: View, quote_phrase: bool) -> list[Rich]:
    t, directory = view.t, view.directory
    mark = " ✓" if item.done else ""
    lines = [plain(BULLET) + item.task.title + plain(f" — {_when(item, view)}{mark}")]
    details = []
    # An open-ended item already shows its phrase ("hàng tháng") as its date.
    shows_phrase = item.kind is ItemKind.ONGOING and not item.until
    if quote_phrase and item.task.deadline_text and not shows_phrase:
        details.append(f"«{item.task.deadline_text}»")
    if item.role is Role.COLLECT:
        senders = ", ".join(directory.get(u).name for u in item.task.lead if u in directory)
        if senders:
            details.append(t.gettext("from: {units}").format(units=senders))
    details.append(item.task.code)
    lines.append(italic(INDENT + " · ".join(details)))
    return lines


def _section(title: str, items: Sequence[AgendaItem], view: View) -> Rich:
    lines: list[Rich] = [bold(view.t.gettext(title))]
    quoted: set[tuple[str, str]] = set()
    for item in items:
        key = (item.plan_id, item.task.code)
        lines.extend(_item_lines(item, view, quote_phrase=key not in quoted))
        quoted.add(key)
    return join(lines)


def render_agenda(agenda: Agenda, view: View) -> Rich:
    t = view.t
    unit = view.directory.get(agenda.unit_id).name
    month = format_month(agenda.month.year, agenda.month.month, t.language)
    header = bold(t.gettext("{unit} — {month}").format(unit=unit, month=month))
    blocks: list[Rich] = [header]
    for title, role, kinds in _SECTIONS:
        items = agenda.select(role, *kinds)
        if items:
            blocks.append(_section(title, items, view))
    if overdue := agenda.overdue:
        section = _section(N_("Overdue (not marked done)"), overdue[:MAX_OVERDUE_IN_MONTH], view)
        hidden = len(overdue) - MAX_OVERDUE_IN_MONTH
        if hidden > 0:
            section = section + "\n" + italic(t.ngettext(
                "+ {n} more overdue: /overdue", "+ {n} more overdue: /overdue", hidden,
            ).format(n=hidden))
        blocks.append(section)
    if agenda.is_empty:
        blocks.append(plain(t.gettext("Nothing is due for {unit} in {month}.").format(
            unit=unit, month=month)))
    if agenda.undated:
        blocks.append(italic(t.ngettext(
            "+ {n} task with no deadline in the plan: /tasks",
            "+ {n} tasks with no deadline in the plan: /tasks",
            len(agenda.undated)).format(n=len(agenda.undated))))
    return join(blocks, "\n\n")


def render_overdue(unit_name: str, items: Sequence[AgendaItem], view: View) -> Rich:
    t = view.t
    if not items:
        return plain(t.gettext("{unit} has nothing overdue.").format(unit=unit_name))
    header = bold(t.gettext("{unit} — overdue").format(unit=unit_name))
    return join([header, _section(N_("Overdue (not marked done)"), items, view)], "\n\n")

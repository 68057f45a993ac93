"""How a due date reads in a reply: "trước ngày 05/02/2027 (Thứ Sáu, nghỉ: Giao thừa)"."""

from __future__ import annotations

from datetime import date

from bot.i18n import Translator, format_day, weekday_name
from bot.workdays import WorkingCalendar


def day_label(day: date, t: Translator, workdays: WorkingCalendar) -> str:
    """The date and weekday; a public holiday is named, since the work is then due
    the working day before."""
    values = {"date": format_day(day, t.language), "weekday": weekday_name(day, t.language)}
    if holiday := workdays.holiday_name(day):
        return t.gettext("{date} ({weekday}, holiday: {holiday})").format(
            holiday=holiday, **values)
    return t.gettext("{date} ({weekday})").format(**values)


def occurrence_label(day: date, deadline_text: str | None, t: Translator,
                     workdays: WorkingCalendar) -> str:
    """A report occurrence as the plan words it: "before" when the plan says "trước
    ngày 05 và 22", "on" for "vào ngày 15 và 30"."""
    phrase = (deadline_text or "").lower().lstrip()
    template = t.gettext("by {day}") if phrase.startswith("trước") else t.gettext("on {day}")
    return template.format(day=day_label(day, t, workdays))

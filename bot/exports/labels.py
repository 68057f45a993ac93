"""How report statuses read, in every export and in chat."""

from __future__ import annotations

from datetime import datetime, tzinfo

from bot.i18n import Translator, format_datetime
from bot.progress_text import UpdateStatus
from bot.report import Cell, CycleReport, ReportStatus


def status_label(t: Translator, status: ReportStatus) -> str:
    return {ReportStatus.ON_TIME: t.gettext("on time"),
            ReportStatus.LATE: t.gettext("late"),
            ReportStatus.MISSING: t.gettext("not reported")}[status]


def progress_label(t: Translator, status: UpdateStatus) -> str:
    """What the update itself says (the same words as /update's confirmation)."""
    return {UpdateStatus.DONE: t.gettext("done"), UpdateStatus.BLOCKED: t.gettext("blocked"),
            UpdateStatus.IN_PROGRESS: t.gettext("in progress")}[status]


def cell_label(t: Translator, cell: Cell) -> str:
    if cell is Cell.NOT_DUE:
        return t.gettext("not due / not concerned")
    return status_label(t, ReportStatus(cell.value))


def local_time(moment: datetime, t: Translator, tz: tzinfo) -> str:
    return format_datetime(moment, t.language, tz)


def sender(t: Translator, member: str | None) -> str:
    return member if member is not None else t.gettext("a former member")


def headline_figures(report: CycleReport, t: Translator) -> list[tuple[str, int | str]]:
    """The figures a written report opens with."""
    return [(t.gettext("Units concerned"), report.obligated),
            (t.gettext("On time"), report.count(ReportStatus.ON_TIME)),
            (t.gettext("Late"), report.count(ReportStatus.LATE)),
            (t.gettext("Not reported"), report.count(ReportStatus.MISSING)),
            (t.gettext("Reporting rate"), f"{report.rate:.0%}")]

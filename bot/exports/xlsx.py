"""The cycle report as an Excel workbook: one sheet per cycle summary (a date may have
several tasks), then one sheet with every update of those cycles."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.exports.labels import headline_figures, progress_label, sender, status_label
from bot.i18n import Translator, format_day
from bot.report import CycleReport

MAX_SHEET_NAME = 31  # Excel's limit
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in sheet names
_TIME_FORMAT = "dd/mm/yyyy hh:mm"
_MAX_WIDTH = 60  # a long update wraps instead of making a screen-wide column


def sheet_name(text: str, taken: set[str]) -> str:
    """A valid, unused sheet name: ≤ 31 characters, none of []:*?/\\ ."""
    base = _FORBIDDEN.sub("-", text).strip("'")[:MAX_SHEET_NAME] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[:MAX_SHEET_NAME - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _naive_local(moment: datetime, tz: tzinfo) -> datetime:
    # Excel cells have no time zone: the province's local time, written without one,
    # is what an officer reading the sheet expects to see.
    return moment.astimezone(tz).replace(tzinfo=None)


def _table(sheet: Worksheet, header: list[str], rows: list[list[object]]) -> None:
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(sheet.columns, 1):
        values = [str(c.value) for c in column if c.value is not None]
        longest = max((len(v) for v in values), default=8)
        width = min(_MAX_WIDTH, max(10, longest + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
        for cell in column[1:]:
            if isinstance(cell.value, datetime):
                cell.number_format = _TIME_FORMAT
            elif isinstance(cell.value, str) and len(cell.value) > _MAX_WIDTH:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _summary(sheet: Worksheet, report: CycleReport, t: Translator, tz: tzinfo) -> None:
    header = [t.gettext("Unit"), t.gettext("Status"), t.gettext("Updated at"),
              t.gettext("Sent by"), t.gettext("Progress"), t.gettext("Percent"),
              t.gettext("Latest update")]
    rows: list[list[object]] = []
    for unit in report.units:
        latest = unit.latest
        rows.append([unit.name, status_label(t, unit.status)] + (
            [_naive_local(latest.created_at, tz), sender(t, latest.member),
             progress_label(t, latest.status), latest.percent, latest.text]
            if latest else [None, None, None, None, None]))
    # The headline figures below the table, after a blank row, for the officer
    # who copies them into the written report.
    rows.append([])
    rows += [[label, value] for label, value in headline_figures(report, t)]
    _table(sheet, header, rows)


def _every_update(sheet: Worksheet, reports: Sequence[CycleReport], t: Translator,
                  tz: tzinfo) -> None:
    header = [t.gettext("Unit"), t.gettext("Task"), t.gettext("Cycle"), t.gettext("Sent by"),
              t.gettext("Time"), t.gettext("Progress"), t.gettext("Percent"),
              t.gettext("Text")]
    rows: list[list[object]] = []
    for report in reports:
        for update in report.updates:
            rows.append([report.name_of(update.unit_id), report.task.code,
                         format_day(report.due, t.language), sender(t, update.member),
                         _naive_local(update.created_at, tz),
                         progress_label(t, update.status), update.percent, update.text])
    _table(sheet, header, rows)


def report_xlsx(reports: Sequence[CycleReport], t: Translator, tz: tzinfo) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the empty default sheet
    taken: set[str] = set()
    for report in reports:
        name = sheet_name(f"{report.task.code} {report.due:%d-%m-%Y}", taken)
        _summary(workbook.create_sheet(name), report, t, tz)
    updates = workbook.create_sheet(sheet_name(t.gettext("Every update"), taken))
    _every_update(updates, reports, t, tz)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()

"""The cycle report as CSV: one row per unit and cycle, with its latest update.

UTF-8 with a byte order mark: without it Excel reads the file in the machine's
legacy code page and "Sở Tư pháp" arrives as mojibake.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import tzinfo
from io import StringIO

from bot.exports.labels import local_time, progress_label, sender, status_label
from bot.i18n import Translator, format_day
from bot.report import CycleReport

BOM = "\ufeff"


def report_csv(reports: Sequence[CycleReport], t: Translator, tz: tzinfo) -> bytes:
    out = StringIO()
    writer = csv.writer(out)  # the csv module's dialect: quoted where needed, CRLF rows
    writer.writerow([t.gettext("Task"), t.gettext("Cycle"), t.gettext("Unit"),
                     t.gettext("Status"), t.gettext("Updated at"), t.gettext("Sent by"),
                     t.gettext("Progress"), t.gettext("Percent"), t.gettext("Latest update")])
    for report in reports:
        for unit in report.units:
            latest = unit.latest
            writer.writerow([report.task.code, format_day(report.due, t.language), unit.name,
                             status_label(t, unit.status)] + (
                [local_time(latest.created_at, t, tz), sender(t, latest.member),
                 progress_label(t, latest.status),
                 "" if latest.percent is None else latest.percent, latest.text]
                if latest else ["", "", "", "", ""]))
    return (BOM + out.getvalue()).encode("utf-8")

"""How a cycle report looks on a phone: the task and cycle, a bold headline ("25/28
đơn vị đã báo cáo"), then one short line per unit, the ones to chase first. Past 40
units the on-time ones are counted rather than listed; the files have every line.
Shared by the chat and the shell (``nhacviec report``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.cycles import Cycle
from bot.exports.labels import progress_label, status_label
from bot.i18n import format_day
from bot.messages import Option
from bot.report import CycleReport, ReportStatus, UnitReport
from bot.rich import Rich, bold, join, plain
from bot.usecases.reports import NudgeResult, UnitHistory
from handlers.dates import occurrence_label
from handlers.due_view import View

CHOICE_PREFIX = "rep"
MAX_UNIT_LINES = 40
SYMBOLS = {ReportStatus.MISSING: "✗", ReportStatus.LATE: "⏰", ReportStatus.ON_TIME: "✓"}


def option_data(action: str, task: int | str, due: date) -> str:
    """"rep:<action>:<task id, or "all" for a whole day>:<yyyymmdd>"."""
    return f"{CHOICE_PREFIX}:{action}:{task}:{due:%Y%m%d}"


def unit_line(unit: UnitReport, view: View) -> str:
    facts = [status_label(view.t, unit.status)]
    if unit.latest is not None:
        if unit.latest.percent is not None:
            facts.append(f"{unit.latest.percent}%")
        facts.append(progress_label(view.t, unit.latest.status))
    return f"{SYMBOLS[unit.status]} {unit.name} — {' · '.join(facts)}"


def headline(report: CycleReport, view: View) -> str:
    return view.t.ngettext("{reported}/{total} unit has reported",
                           "{reported}/{total} units have reported", report.obligated).format(
        reported=report.reported, total=report.obligated)


def _title(report: CycleReport, view: View) -> list[Rich]:
    due = occurrence_label(report.due, report.task.deadline_text, view.t, view.workdays)
    return [bold(f"{report.task.code} — {report.task.title}"),
            plain(view.t.gettext("Report cycle: {date}").format(date=due))]


def render_summary(report: CycleReport, view: View) -> Rich:
    t = view.t
    lines = [*_title(report, view), bold(headline(report, view)),
             plain(t.gettext("on time {on_time} · late {late} · not reported {missing}").format(
                 on_time=report.count(ReportStatus.ON_TIME),
                 late=report.count(ReportStatus.LATE),
                 missing=report.count(ReportStatus.MISSING)))]
    if not report.units:
        return join([*lines, plain(t.gettext("No unit owes a report for this cycle."))])
    in_full = report.obligated <= MAX_UNIT_LINES
    lines.append(plain(""))
    lines += [plain(unit_line(u, view)) for u in report.units
              if in_full or u.status is not ReportStatus.ON_TIME]
    on_time = report.count(ReportStatus.ON_TIME)
    if not in_full and on_time:
        lines.append(plain(t.ngettext("✓ {n} more unit on time: every line is in the files.",
                                      "✓ {n} more units on time: every line is in the files.",
                                      on_time).format(n=on_time)))
    return join(lines)


def summary_options(report: CycleReport, task_id: int, view: View, previous: Cycle | None,
                    following: Cycle | None) -> tuple[tuple[Option, ...], ...]:
    t = view.t
    nav = [Option(label, option_data("v", task_id, c.due)) for label, c in (
        (t.gettext("‹ previous cycle"), previous), (t.gettext("next cycle ›"), following))
        if c is not None]
    rows: list[tuple[Option, ...]] = [tuple(nav)] if nav else []
    if report.count(ReportStatus.MISSING):
        rows.append((Option(t.gettext("🔔 Remind the units that have not reported"),
                            option_data("n", task_id, report.due)),))
    rows.append(file_options(task_id, report.due, view))
    return tuple(rows)


def file_options(task: int | str, due: date, view: View) -> tuple[Option, ...]:
    return (Option("📊 Excel", option_data("x", task, due)),
            Option("📄 CSV", option_data("c", task, due)),
            Option(view.t.gettext("📝 Report (.docx)"), option_data("d", task, due)))


def button_label(report: CycleReport, view: View) -> str:
    """A day's task on a button: "II.8.1 · 3/5"."""
    return f"{report.task.code} · {report.reported}/{report.obligated}"


def render_day(day: date, reports: Sequence[CycleReport], view: View) -> Rich:
    """Several tasks due the same day: one line each; a button opens each one."""
    lines = [bold(view.t.gettext("Reports and deadlines on {date}").format(
        date=format_day(day, view.t.language)))]
    lines += [plain(f"• {r.task.code} — {r.task.title}: {headline(r, view)}") for r in reports]
    return join(lines)


def render_history(history: UnitHistory, view: View) -> Rich:
    t = view.t
    if not history.rows:
        return plain(t.gettext("{unit} owes no periodic report in the open plans.").format(
            unit=history.name))
    lines = [bold(t.gettext("{unit} — reports by cycle").format(unit=history.name))]
    for row in history.rows:
        facts = [t.gettext("not due yet") if row.not_due
                 else status_label(t, row.line.status)]
        if (latest := row.line.latest) is not None:
            if latest.percent is not None:
                facts.append(f"{latest.percent}%")
            facts.append(progress_label(t, latest.status))
        symbol = "·" if row.not_due else SYMBOLS[row.line.status]
        lines.append(plain(f"{symbol} {format_day(row.report.due, t.language)} · "
                           f"{row.report.task.code} — {' · '.join(facts)}"))
    return join(lines)


def render_nudged(result: NudgeResult, names: dict[str, str], view: View) -> Rich:
    t = view.t
    if not result.missing:
        return plain(t.gettext("Every unit has reported for this cycle: nobody to remind."))
    if result.queued:
        text = t.ngettext("Sending {n} reminder to the {units} units that have not reported.",
                          "Sending {n} reminders to the {units} units that have not reported.",
                          result.queued).format(n=result.queued, units=len(result.missing))
    else:
        text = t.gettext("These units were already reminded today: nothing was sent again.")
    lines = [plain(text)]
    if result.unreachable:
        lines.append(plain(t.ngettext(
            "{n} unit has nobody the bot can reach (no member, no linked group): {names}.",
            "{n} units have nobody the bot can reach (no member, no linked group): {names}.",
            len(result.unreachable)).format(n=len(result.unreachable), names=", ".join(
                names[u] for u in result.unreachable))))
    return join(lines)

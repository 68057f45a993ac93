"""``nhacviec report``: who has reported for a cycle, as text, JSON or files; or one
unit's history across cycles.

    nhacviec report [--cycle YYYY-MM-DD] [--xlsx F] [--csv F] [--docx F] [--json]
    nhacviec report --unit "Sở Tư pháp" [--json]

``--json`` prints a list, one object per task due on the cycle's date::

    [{"plan": "bn-2023-q3", "task": "III.2", "title": "…", "due": "2023-08-22",
      "counts": {"obligated": 28, "reported": 2, "on_time": 1, "late": 1, "missing": 26},
      "rate": 0.071,
      "units": [{"id": "so-tp", "name": "Sở Tư pháp", "status": "on_time|late|missing",
                 "latest": null | {"at": "<ISO, tz-aware>", "member": "…" | null,
                                   "status": "done|in_progress|blocked",
                                   "percent": 80 | null, "text": "…"}}]}]

and for ``--unit``: ``{"unit": {"id", "name"}, "cycles": [{"plan", "task", "title",
"due", "status" (on_time|late|missing|not_due), "latest"}]}``, newest first.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from bot.app import App
from bot.cli import CommandError, find_unit, today_arg
from bot.cycles import Cycle
from bot.i18n import translator
from bot.report import CycleReport, CycleUpdate, ReportStatus, UnitReport
from bot.rich import to_plain
from bot.usecases.reports import UnitHistory
from handlers.due_view import View
from handlers.report_view import render_history, render_summary

FILE_OPTIONS = ("xlsx", "csv", "docx")


def add_parsers(commands: Any) -> None:
    report = commands.add_parser("report", help="who has reported for a cycle; the files")
    report.add_argument("--cycle", help="YYYY-MM-DD (default: the current or latest "
                                        "5th/22nd report)")
    report.add_argument("--unit", help="one unit's history across cycles instead")
    for kind in FILE_OPTIONS:
        report.add_argument(f"--{kind}", metavar="FILE", help=f"write the report as .{kind}")
    report.add_argument("--json", action="store_true")
    report.add_argument("--lang", choices=("vi", "en"))
    report.add_argument("--today", help="YYYY-MM-DD (default: today)")


def _latest(update: CycleUpdate | None) -> dict[str, Any] | None:
    if update is None:
        return None
    return {"at": update.created_at.isoformat(), "member": update.member,
            "status": update.status.value, "percent": update.percent, "text": update.text}


def _unit_json(unit: UnitReport) -> dict[str, Any]:
    return {"id": unit.unit_id, "name": unit.name, "status": unit.status.value,
            "latest": _latest(unit.latest)}


def report_json(report: CycleReport) -> dict[str, Any]:
    counts = {"obligated": report.obligated, "reported": report.reported,
              **{status.value: report.count(status) for status in (
                  ReportStatus.ON_TIME, ReportStatus.LATE, ReportStatus.MISSING)}}
    return {"plan": report.plan.id, "task": report.task.code, "title": report.task.title,
            "due": report.due.isoformat(), "counts": counts, "rate": round(report.rate, 3),
            "units": [_unit_json(u) for u in report.units]}


def history_json(history: UnitHistory) -> dict[str, Any]:
    return {"unit": {"id": history.unit_id, "name": history.name}, "cycles": [
        {"plan": row.report.plan.id, "task": row.report.task.code,
         "title": row.report.task.title, "due": row.report.due.isoformat(),
         "status": "not_due" if row.not_due else row.line.status.value,
         "latest": _latest(row.line.latest)} for row in history.rows]}


def _cycles(app: App, text: str | None, today: date) -> list[Cycle]:
    reports = app.usecases.reports
    if text is None:
        cycle = reports.default_cycle(today)
        if cycle is None:
            raise CommandError("The open plans have no periodic report.")
        return [cycle]
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--cycle must be YYYY-MM-DD, got {text!r}") from None
    cycles = reports.cycles_on(day)
    if not cycles:
        raise CommandError(f"No report or deadline of the open plans falls on {day}.")
    return cycles


async def _history(app: App, args: argparse.Namespace, view: View, today: date) -> None:
    if args.cycle or any(getattr(args, kind) for kind in FILE_OPTIONS):
        raise CommandError("--unit shows one unit's history: it takes no --cycle or files")
    history = await app.usecases.reports.unit_history(find_unit(app, args.unit), today)
    if args.json:
        print(json.dumps(history_json(history), ensure_ascii=False, indent=2))
    else:
        print(to_plain(render_history(history, view)))


def _write(path: str, content: bytes) -> None:
    try:
        Path(path).write_bytes(content)
    except OSError as error:
        raise CommandError(f"Cannot write {path}: {error.strerror}") from None


async def report(app: App, args: argparse.Namespace) -> None:
    today = today_arg(app, args.today)
    language = args.lang or app.settings.default_language
    view = View(translator(language), app.services.directory, app.services.workdays(language))
    if args.unit:
        await _history(app, args, view, today)
        return
    reports = await app.usecases.reports.reports(_cycles(app, args.cycle, today))
    files = [(kind, getattr(args, kind)) for kind in FILE_OPTIONS if getattr(args, kind)]
    for kind, path in files:
        _write(path, (await app.usecases.reports.export(kind, reports, language)).content)
        print(f"Wrote {path}")
    if args.json:
        print(json.dumps([report_json(r) for r in reports], ensure_ascii=False, indent=2))
    elif not files:
        print("\n\n".join(to_plain(render_summary(r, view)) for r in reports))

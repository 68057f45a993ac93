"""``nhacviec due`` and ``nhacviec units list|resolve``: a unit's month and the unit
directory (its edits are in ``bot.cli.admin``)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from bot.agenda import AgendaItem
from bot.app import App
from bot.calendar import Month
from bot.cli import CommandError, admin, find_unit, today_arg
from bot.i18n import translator
from bot.rich import to_plain
from handlers.due_view import View, render_agenda


def add_parsers(commands: Any) -> None:
    due = commands.add_parser("due", help="what a unit is due for in a month")
    due.add_argument("--unit", required=True, help="a unit's name or abbreviation")
    due.add_argument("--month", help="YYYY-MM (default: this month)")
    due.add_argument("--today", help="YYYY-MM-DD, for what counts as overdue (default: today)")
    due.add_argument("--lang", choices=("vi", "en"))
    due.add_argument("--json", action="store_true")

    units = commands.add_parser("units", help="the unit directory")
    unit_commands = units.add_subparsers(dest="units_command", required=True)
    listing = unit_commands.add_parser("list", help="list every unit")
    listing.add_argument("--json", action="store_true")
    resolve = unit_commands.add_parser("resolve", help="rank the units matching a name")
    resolve.add_argument("query")
    resolve.add_argument("--limit", type=int, default=5)
    resolve.add_argument("--json", action="store_true")
    admin.add_unit_parsers(unit_commands)


def _item_json(item: AgendaItem) -> dict[str, Any]:
    return {
        "task_id": item.task.code,
        "plan_id": item.plan_id,
        "title": item.task.title,
        "role": item.role.value,
        "kind": item.kind.value,
        "due": item.due.isoformat() if item.due else None,
        "until": item.until.isoformat() if item.until else None,
        "deadline_text": item.task.deadline_text,
        "section": item.task.section,
        "done": item.done,
    }


def _month(text: str | None, today: date) -> Month:
    if text is None:
        return Month.of(today)
    try:
        year, month = (int(part) for part in text.split("-"))
        return Month(year, month)
    except ValueError:
        raise CommandError(f"--month must be YYYY-MM, got {text!r}") from None


async def due(app: App, args: argparse.Namespace) -> None:
    today = today_arg(app, args.today)
    month = _month(args.month, today)
    unit_id = find_unit(app, args.unit)
    agenda = await app.services.agenda(unit_id, month, today)
    if args.json:
        print(json.dumps([_item_json(i) for i in agenda.items], ensure_ascii=False, indent=2))
    else:
        language = args.lang or app.settings.default_language
        view = View(translator(language), app.services.directory,
                    app.services.workdays(language))
        print(to_plain(render_agenda(agenda, view)))


def units(app: App, args: argparse.Namespace) -> None:
    directory = app.services.directory
    if args.units_command == "list":
        rows = [{"id": u.id, "name": u.name, "kind": u.kind.value,
                 "abbreviations": list(u.abbreviations), "aliases": list(u.aliases),
                 "merged_into": u.merged_into, "active": u.active,
                 "members": sorted(directory.expand(u.id)) if u.is_collective else None}
                for u in directory]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for row in rows:
                print(f"{row['id']:<28} {row['kind']:<12} {row['name']}")
        return
    matches = app.services.rank_units(args.query, limit=args.limit, include_collectives=True)
    if args.json:
        print(json.dumps([{"id": m.unit_id, "name": m.name, "score": round(m.score, 1),
                           "matched": m.matched, "collective": m.is_collective}
                          for m in matches], ensure_ascii=False, indent=2))
    elif not matches:
        print(f"No unit matches {args.query!r}.")
    else:
        for m in matches:
            print(f"{m.score:5.1f}  {m.unit_id:<28} {m.name}  (≈ {m.matched})")

"""``nhacviec plan parse|import|list|show|activate|deactivate``: a plan from its
document, from the shell.

``parse`` only reads (the units resolved against the directory) and prints the
parsed plan: ``--json`` is the file an admin corrects and sends back (to the bot, or
to ``plan import``). ``import`` stores it as a new plan, inactive until ``plan
activate``. The same use case as the chat: audited, and a running bot picks an
activation up at its next tick.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.app import App
from bot.cli import CommandError
from bot.cli.progress import Progress, add_flag
from bot.plan_import import DocumentError
from bot.plan_import.model import ParsedPlan
from bot.unit_edits import UnitEditError
from bot.usecases.plan_imports import PlanImportError, PlanSummary, overview

ACTOR = "cli"
SAMPLE = 5


def add_parsers(commands: Any) -> None:
    plan = commands.add_parser("plan", help="import a plan from its document; list plans")
    plan_commands = plan.add_subparsers(dest="plan_command", required=True)
    parse = plan_commands.add_parser("parse", help="read a plan's document and show it")
    parse.add_argument("file", help=".txt, .docx, .pdf, or a corrected .json/.yaml")
    parse.add_argument("--json", action="store_true", help="the parsed plan as JSON")
    imported = plan_commands.add_parser("import", help="store a plan, inactive")
    imported.add_argument("file")
    add_flag(imported)
    listing = plan_commands.add_parser("list", help="every plan")
    listing.add_argument("--json", action="store_true")
    show = plan_commands.add_parser("show", help="one plan and its tasks")
    show.add_argument("id")
    show.add_argument("--json", action="store_true", help="the parsed plan as JSON")
    for name in ("activate", "deactivate"):
        command = plan_commands.add_parser(name, help=f"{name} a plan")
        command.add_argument("id")


def _read(path: str) -> tuple[str, bytes]:
    file = Path(path)
    try:
        return file.name, file.read_bytes()
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror or error}") from None


def summary_lines(parsed: ParsedPlan) -> list[str]:
    """The shell's preview: what the chat's preview shows, in plain English."""
    facts = overview(parsed)
    lines = [parsed.title or "(no title)"]
    if parsed.number or parsed.issued:
        lines.append(" · ".join(filter(None, (
            parsed.number, parsed.issued.isoformat() if parsed.issued else None))))
    lines.append(f"{facts.tasks} tasks; recurring {facts.recurring}; "
                 f"no deadline {facts.undated}")
    if facts.months:
        lines.append("Deadlines per month: " + " · ".join(
            f"{m.month}/{m.year}: {n}" for m, n in facts.months))
    for ref in parsed.unresolved:
        hint = ", ".join(f"{s.name} ({s.unit_id})" for s in ref.suggestions[:2])
        lines.append(f"Unknown unit: {ref.written}" + (f" — did you mean {hint}?"
                                                       if hint else ""))
    for task in parsed.tasks[:SAMPLE]:
        lead = ", ".join(u.written for u in task.lead) or "-"
        lines.append(f"  {task.id} · {task.text[:60]} · {lead} · "
                     f"{task.deadline_text or '-'}")
    if len(parsed.tasks) > SAMPLE:
        lines.append(f"  … and {len(parsed.tasks) - SAMPLE} more")
    return lines


def _summary_json(s: PlanSummary) -> dict[str, Any]:
    return {"id": s.id, "title": s.title, "number": s.number, "active": s.active,
            "tasks": s.tasks, "unresolved": s.unresolved, "source": s.source_name}


async def plan(app: App, args: argparse.Namespace) -> None:
    imports = app.usecases.plan_imports
    now = app.clock()
    try:
        if args.plan_command == "parse":
            parsed = imports.parse(*_read(args.file))
            if args.json:
                print(json.dumps(parsed.to_json(), ensure_ascii=False, indent=2))
            else:
                print("\n".join(summary_lines(parsed)))
        elif args.plan_command == "import":
            progress = Progress.from_args(args)
            progress.say(f"Reading {args.file}")
            name, data = _read(args.file)
            progress.say(f"Parsing and storing {len(data) / 1024:.0f} KB")
            imported = await imports.import_file(name, data, actor=ACTOR, now=now)
            assert imported.parsed is not None
            progress.say(f"Stored {len(imported.parsed.tasks)} tasks")
            print(f"Imported {imported.plan.id} (inactive): "
                  f"nhacviec plan activate {imported.plan.id}")
            print("\n".join(summary_lines(imported.parsed)))
        elif args.plan_command == "list":
            summaries = await imports.summaries()
            if args.json:
                print(json.dumps([_summary_json(s) for s in summaries], ensure_ascii=False,
                                 indent=2))
                return
            for s in summaries:
                state = "active" if s.active else "inactive"
                print(f"{s.id:<14} {state:<8} {s.tasks:>4} tasks  {s.unresolved:>2} "
                      f"unknown units  {s.title}")
            print(f"{len(summaries)} {'plan' if len(summaries) == 1 else 'plans'}")
        elif args.plan_command == "show":
            found = await imports.get(args.id)
            if found is None:
                raise PlanImportError("unknown_plan", args.id)
            if args.json:
                if found.parsed is None:
                    raise CommandError(f"{args.id} was not imported from a document: no "
                                       "parsed file.")
                print(json.dumps(found.parsed.to_json(), ensure_ascii=False, indent=2))
                return
            state = "active" if found.plan.active else "inactive"
            print(f"{found.plan.id} ({state}), from {found.source_name or 'the seed'}")
            if found.parsed is not None:
                print("\n".join(summary_lines(found.parsed)))
            else:
                print(f"{found.plan.title}\n{len(found.plan.tasks)} tasks")
        else:
            active = args.plan_command == "activate"
            done = await imports.set_active(args.id, active, actor=ACTOR, now=now)
            print(f"{done.id}: {'active' if active else 'inactive'} ({len(done.tasks)} "
                  "tasks)")
    except DocumentError as error:
        raise CommandError(f"Cannot import {args.file}: {error}") from None
    except PlanImportError as error:
        raise CommandError(_message(error)) from None
    except UnitEditError as error:
        raise CommandError(f"Refused: {error.code.value}") from None


def _message(error: PlanImportError) -> str:
    return {
        "unknown_plan": f"No plan {error.detail!r}: nhacviec plan list shows them.",
        "not_imported": f"{error.detail} was not imported from a document.",
        "active": f"{error.detail} is active: deactivate it first.",
        "reported": f"Units have reported on its tasks: {error.detail}",
    }.get(error.code, str(error))

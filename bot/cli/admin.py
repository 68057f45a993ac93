"""``nhacviec units add|rename|merge|deactivate|activate`` and ``nhacviec audit``: the
admins' directory edits and the audit log, from the shell.

The same use cases as the chat (checks, audit entry, directory version), so a
running bot picks an edit made here up at its next tick. The shell is explicit:
merge and deactivate do not ask again.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.app import App
from bot.cli import CommandError, find_unit
from bot.unit_edits import MAX_NAME_LENGTH, EditError, UnitEditError, parse_kind
from bot.usecases.audit import MAX_RECENT

ACTOR = "cli"
EDITS = ("add", "rename", "merge", "deactivate", "activate")


def add_unit_parsers(unit_commands: Any) -> None:
    """The edits, beside ``units list`` and ``units resolve``."""
    add = unit_commands.add_parser("add", help="add a unit")
    add.add_argument("name")
    add.add_argument("--kind", help="department|locality|expert_team|other (or sở, địa "
                                    "phương, tổ chuyên gia, khác); default: from the name")
    rename = unit_commands.add_parser("rename", help="rename a unit (the old name stays)")
    rename.add_argument("unit")
    rename.add_argument("new_name")
    merge = unit_commands.add_parser("merge", help="merge a unit into another")
    merge.add_argument("unit")
    merge.add_argument("into")
    for name in ("deactivate", "activate"):
        command = unit_commands.add_parser(name, help=f"{name} a unit")
        command.add_argument("unit")


def add_parsers(commands: Any) -> None:
    audit = commands.add_parser("audit", help="the latest admin actions")
    audit.add_argument("--limit", type=int, default=20, help=f"how many (at most {MAX_RECENT})")
    audit.add_argument("--json", action="store_true")


_MESSAGES = {
    EditError.EMPTY_NAME: "The name is empty.",
    EditError.NAME_TOO_LONG: f"The name is too long (at most {MAX_NAME_LENGTH} characters).",
    EditError.NAME_TAKEN: "That name already belongs to {unit}.",
    EditError.UNKNOWN_UNIT: "No such unit.",
    EditError.COLLECTIVE: "{unit} is a group of units, not a unit.",
    EditError.MERGED: "That unit was merged into {unit}.",
    EditError.SAME_UNIT: "A unit cannot be merged into itself.",
    EditError.INACTIVE_TARGET: "{unit} is deactivated: activate it first.",
    EditError.UNCHANGED: "Nothing to change: {unit} is already so.",
}


async def edit_unit(app: App, args: argparse.Namespace) -> None:
    edits = app.usecases.unit_admin
    now = app.clock()

    def named(name: str) -> str:
        return find_unit(app, name, as_written=True)  # a merged unit is edited as itself

    try:
        if args.units_command == "add":
            kind = parse_kind(args.kind) if args.kind else None
            if args.kind and kind is None:
                raise CommandError(f"Unknown kind {args.kind!r}: department, locality, "
                                   "expert_team or other.")
            unit = await edits.add(args.name, kind, actor=ACTOR, now=now)
            print(f"Added {unit.id}: {unit.name} ({unit.kind.value})")
        elif args.units_command == "rename":
            old, unit = await edits.rename(named(args.unit), args.new_name, actor=ACTOR,
                                           now=now)
            print(f"Renamed {unit.id}: {old} -> {unit.name} (the old name still resolves)")
        elif args.units_command == "merge":
            merged = await edits.merge(named(args.unit), named(args.into), actor=ACTOR,
                                       now=now)
            moved = merged.moved
            print(f"Merged {merged.unit.id} into {merged.into.id}: moved {moved.members} "
                  f"members, {moved.chats} groups, {moved.requests} join requests")
        else:
            active = args.units_command == "activate"
            unit = await edits.set_active(named(args.unit), active, actor=ACTOR, now=now)
            print(f"{unit.id}: {'active' if active else 'deactivated'}")
    except UnitEditError as error:
        raise CommandError(_MESSAGES[error.code].format(unit=error.unit or "")) from None


async def audit(app: App, args: argparse.Namespace) -> None:
    if not 1 <= args.limit <= MAX_RECENT:
        raise CommandError(f"--limit must be 1..{MAX_RECENT}")
    records = await app.usecases.audit.recent(args.limit)
    if args.json:
        print(json.dumps([{"at": r.at.isoformat(), "actor": r.actor, "action": r.action,
                           "target": r.target, "detail": r.detail, "outcome": r.outcome}
                          for r in records], ensure_ascii=False, indent=2))
        return
    names = await app.usecases.audit.names(records)
    tz = app.settings.timezone
    for r in records:
        who = names.get(r.actor, r.actor)
        target = names.get(r.target or "", r.target or "")
        print(f"{r.at.astimezone(tz):%Y-%m-%d %H:%M}  {r.outcome:<6}  {r.action:<18} "
              f"{target:<28} {who}")
    print(f"{len(records)} {'entry' if len(records) == 1 else 'entries'}")

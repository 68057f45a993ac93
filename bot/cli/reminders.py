"""``nhacviec reminders`` and ``nhacviec calendar``: preview the reminder schedule,
per-unit settings, and the province's calendar changes (days off, make-up days)."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime, time
from typing import Any

from bot.app import App
from bot.cli import CommandError
from bot.reminders import Reminder, ReminderKind
from storage import reminder_settings as settings_store
from storage import units as unit_store


def add_parsers(commands: Any) -> None:
    reminders = commands.add_parser("reminders", help="the reminder schedule")
    sub = reminders.add_subparsers(dest="reminders_command", required=True)
    preview = sub.add_parser("preview", help="what will be sent, when, to whom, and why")
    preview.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD")
    preview.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD (exclusive)")
    preview.add_argument("--unit", help="only this unit (and escalations naming it)")
    preview.add_argument("--json", action="store_true")
    setting = sub.add_parser("set", help="a unit's own lead times and send time")
    setting.add_argument("--unit", required=True)
    setting.add_argument("--lead", help="working days before, e.g. 5,2")
    setting.add_argument("--time", help="HH:MM")
    setting.add_argument("--reset", action="store_true", help="back to the global settings")

    calendar = commands.add_parser("calendar", help="extra days off and make-up working days")
    calendar.add_argument("action", choices=("list", "off", "work", "remove"))
    calendar.add_argument("day", nargs="?", help="YYYY-MM-DD")
    calendar.add_argument("--note", default="")


def _day(text: str | None, name: str) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        raise CommandError(f"{name} must be YYYY-MM-DD, got {text!r}") from None


def _json(app: App, reminder: Reminder) -> dict[str, Any]:
    directory = app.services.directory
    units = list(reminder.units)
    return {
        "send_at": reminder.send_at.isoformat(),
        "due": reminder.due.isoformat(),
        "unit": directory.get(units[0]).name if reminder.kind is not ReminderKind.ESCALATION
        else None,
        "units": [directory.get(u).name for u in units],
        "kind": reminder.kind.value,
        "lead": reminder.lead,
        "obligation": reminder.task.code,
        "title": reminder.task.title,
        "plan": reminder.plan.id,
        "deadline_text": reminder.task.deadline_text,
        "to": "admins" if reminder.kind is ReminderKind.ESCALATION
        else "unit members and groups",
    }


async def preview(app: App, args: argparse.Namespace) -> None:
    tz = app.settings.timezone
    start = datetime.combine(_day(args.start, "--from"), time(0), tzinfo=tz)
    end = datetime.combine(_day(args.end, "--to"), time(0), tzinfo=tz)
    if end <= start:
        raise CommandError("--to must be after --from")
    units = None
    if args.unit:
        unit_id = app.services.resolve_unit(args.unit)
        if unit_id is None:
            raise CommandError(f"No unit matches {args.unit!r}.")
        units = {unit_id}
    schedule = await app.usecases.reminders.schedule(start, end, units=units)
    rows = [_json(app, r) for r in schedule]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        who = row["unit"] or f"admins ({len(row['units'])} units missing)"
        lead = f"{row['lead']}d before" if row["kind"] == "before" else row["kind"]
        print(f"{row['send_at'][:16]}  {lead:<12} due {row['due']}  {row['obligation']:<8} "
              f"{who}")
    print(f"{len(rows)} reminders")


async def set_unit(app: App, args: argparse.Namespace) -> None:
    unit_id = app.services.resolve_unit(args.unit)
    if unit_id is None:
        raise CommandError(f"No unit matches {args.unit!r}.")
    now = app.clock()
    async with app.sessions.begin() as session:
        if args.reset:
            await settings_store.clear_unit_settings(session, unit_id)
            await app.usecases.audit.record(actor="cli", action="reminders.reset",
                                            target=f"unit:{unit_id}", at=now, session=session)
        else:
            lead = None
            if args.lead:
                try:
                    lead = sorted({int(x) for x in args.lead.split(",")}, reverse=True)
                except ValueError:
                    raise CommandError("--lead must look like 5,2") from None
                if any(n < 1 for n in lead):
                    raise CommandError("--lead days must be at least 1")
            if args.time:
                try:
                    datetime.strptime(args.time, "%H:%M")
                except ValueError:
                    raise CommandError("--time must be HH:MM") from None
            await settings_store.set_unit_settings(session, unit_id, lead_days=lead,
                                                   send_time=args.time, at=now)
            await app.usecases.audit.record(actor="cli", action="reminders.set",
                                            target=f"unit:{unit_id}", at=now,
                                            detail={"lead": lead, "time": args.time},
                                            session=session)
        # The running bot reloads what it caches when this changes (bot/scheduler.py).
        await unit_store.bump_directory_version(session, at=now)
    await app.usecases.reminders.load_overrides()
    policy = app.usecases.reminders.policy_for(unit_id)
    print(f"{app.services.directory.get(unit_id).name}: {list(policy.lead_days)} working days "
          f"before, at {policy.send_time:%H:%M}")


async def calendar(app: App, args: argparse.Namespace) -> None:
    preferences = app.usecases.preferences
    if args.action == "list":
        off, work = await preferences.calendar_changes()
        for day in sorted(off | work):
            print(f"{day.isoformat()}  {'day off' if day in off else 'working day'}")
        return
    day = _day(args.day, "day")
    kind = {"off": "off", "work": "work", "remove": None}[args.action]
    await preferences.change_calendar(day, kind, note=args.note, by="cli", now=app.clock())
    print(f"{day.isoformat()}: {args.action}")

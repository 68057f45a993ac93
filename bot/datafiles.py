"""Reading the shipped data files: the unit directory and the seed plan (YAML).

The files are meant to be edited by people, so every mistake is reported with the
file and the entry it is in, never as a bare ``KeyError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.calendar import spec_from_dict
from bot.plans import Plan, Task, TaskKind
from bot.units import Directory, Unit, UnitKind

DATA_PACKAGE = "bot.data"
UNITS_FILE = "units.yaml"
SEED_PLAN_FILE = "seed_plan.yaml"


class DataFileError(ValueError):
    pass


# libyaml's safe loader when PyYAML was built with it: the same documents, read ten
# times faster — the pure-Python one was a fifth of every start-up (and so of every
# restart after a crash) just to read the unit directory and the seed plan.
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_SAFE_LOADER)


def _read_yaml(path: Path | None, default_name: str) -> tuple[str, Any]:
    if path is None:
        text = resources.files(DATA_PACKAGE).joinpath(default_name).read_text("utf-8")
        return default_name, load_yaml(text)
    return str(path), load_yaml(path.read_text("utf-8"))


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _unit(entry: Mapping[str, Any], *, collective: bool) -> Unit:
    kind = UnitKind.COLLECTIVE if collective else UnitKind(entry["kind"])
    return Unit(
        id=str(entry["id"]),
        name=str(entry["name"]),
        kind=kind,
        abbreviations=_strings(entry.get("abbreviations")),
        aliases=_strings(entry.get("aliases")),
        merged_into=entry.get("merged_into"),
        active=bool(entry.get("active", True)),
        member_kinds=tuple(UnitKind(k) for k in entry.get("member_kinds") or ()),
        members=_strings(entry.get("members")),
        note=str(entry.get("note") or ""),
    )


def load_units(path: Path | None = None) -> list[Unit]:
    source, data = _read_yaml(path, UNITS_FILE)
    units: list[Unit] = []
    for section, collective in (("units", False), ("collectives", True)):
        for index, entry in enumerate(data.get(section) or []):
            try:
                units.append(_unit(entry, collective=collective))
            except (KeyError, TypeError, ValueError) as error:
                raise DataFileError(f"{source}: {section}[{index}]: {error!r}") from error
    return units


def load_directory(path: Path | None = None) -> Directory:
    try:
        return Directory(load_units(path))
    except ValueError as error:
        raise DataFileError(f"{path or UNITS_FILE}: {error}") from error


def _task(entry: Mapping[str, Any], number: int) -> Task:
    return Task(
        code=str(entry["id"]),
        section=str(entry["section"]),
        title=str(entry["title"]),
        text=str(entry["text"]).strip(),
        lead=_strings(entry.get("lead")),
        coordinating=_strings(entry.get("coordinating")),
        recipients=_strings(entry.get("recipients")),
        assignees_text=entry.get("assignees_text"),
        deadline_text=entry.get("deadline_text"),
        due=tuple(spec_from_dict(spec) for spec in entry.get("due") or ()),
        kind=TaskKind(entry.get("kind", "task")),
        number=number,
    )


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def load_plan(path: Path | None = None, directory: Directory | None = None) -> Plan:
    """Load a plan file; with ``directory``, check every unit id the tasks name."""
    source, data = _read_yaml(path, SEED_PLAN_FILE)
    head = data["plan"]
    tasks = []
    for index, entry in enumerate(data.get("tasks") or []):
        try:
            task = _task(entry, number=index + 1)
        except (KeyError, TypeError, ValueError) as error:
            raise DataFileError(f"{source}: tasks[{index}]: {error!r}") from error
        if directory is not None:
            for unit_id in (*task.lead, *task.coordinating, *task.recipients):
                if unit_id not in directory:
                    raise DataFileError(f"{source}: task {task.code}: unknown unit {unit_id!r}")
        tasks.append(task)
    codes = [t.code for t in tasks]
    if len(set(codes)) != len(codes):
        raise DataFileError(f"{source}: duplicate task ids")
    starts = _date(head["starts"])
    if starts is None:
        raise DataFileError(f"{source}: plan.starts is required")
    return Plan(
        id=str(head["id"]),
        title=str(head["title"]),
        starts=starts,
        ends=_date(head.get("ends")),
        number=head.get("number"),
        issued=_date(head.get("issued")),
        province=head.get("province"),
        year=head.get("year"),
        active=bool(head.get("active", True)),
        tasks=tuple(tasks),
    )

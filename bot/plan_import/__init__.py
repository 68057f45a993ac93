"""Importing a plan from its document: read it (txt, docx, pdf), find the tasks, their
units and deadlines, resolve the units against the directory. Deterministic, rule
based and offline. ``parse_bytes`` is the one entry point the shell and the chat use."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import PurePath

import yaml

from bot.plan_import.model import ParsedPlan, UnitRef, plan_from_json
from bot.plan_import.reading import UnreadableDocument, read_document
from bot.plan_import.structure import parse_plan
from bot.plan_import.units import UnitResolver
from bot.units import Directory

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # Telegram's own limit for a bot's download
PARSED_SUFFIXES = (".json", ".yaml", ".yml")  # a parsed file, corrected by an admin


class DocumentError(ValueError):
    """The file cannot be read as a plan: the message says why, for the admin."""


def parse_bytes(name: str, data: bytes, directory: Directory) -> ParsedPlan:
    """The plan in the file ``name`` holding ``data``: a document to parse, or a parsed
    file (JSON or YAML) an admin corrected, whose units are resolved again."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError("the file is larger than 20 MB")
    suffix = PurePath(name).suffix.lower()
    if suffix in PARSED_SUFFIXES:
        try:
            loaded = json.loads(data) if suffix == ".json" else yaml.safe_load(data)
            parsed = plan_from_json(loaded)
        except (ValueError, yaml.YAMLError) as error:
            raise DocumentError(f"the parsed file is not valid: {error}") from None
        return resolve_units(parsed, directory)
    try:
        document = read_document(name, data)
    except UnreadableDocument as error:
        raise DocumentError(str(error)) from None
    return parse_plan(document, directory)


def resolve_units(parsed: ParsedPlan, directory: Directory) -> ParsedPlan:
    """Every unit of the plan looked up in the directory: a corrected file's ids are
    kept where the directory has them, the others are resolved from their names."""
    resolver = UnitResolver(directory)

    def again(refs: tuple[UnitRef, ...]) -> tuple[UnitRef, ...]:
        return tuple(UnitRef(r.written, directory.successor(r.unit_id))
                     if r.unit_id and r.unit_id in directory else resolver.resolve(r.written)
                     for r in refs)

    return replace(parsed, tasks=tuple(
        replace(task, lead=again(task.lead), coordinating=again(task.coordinating))
        for task in parsed.tasks))

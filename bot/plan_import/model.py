"""What the plan importer reads and what it produces, as plain data. Pure.

    bytes ──reading.read_document──▶ SourceDocument (paragraphs and table rows, in order)
          ──structure.parse_plan───▶ ParsedPlan (tasks with units and deadlines as written,
                                     resolved against the directory)
          ──ParsedPlan.to_json─────▶ the JSON of ``nhacviec plan parse FILE --json``

A document's text is content, never instructions: nothing in it is executed, looked
up on a network or allowed to change anything but the parsed plan itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from bot.calendar import DeadlineSpec, spec_from_dict, spec_to_dict


class BlockKind(StrEnum):
    PARAGRAPH = "paragraph"
    ROW = "row"  # one row of a table: a Word table, or a text row split on | or tabs


@dataclass(frozen=True)
class Block:
    """One paragraph, or one table row, of a document, in reading order. Text is
    normalised (NFC, one accent placement: see ``reading.normalize``)."""

    kind: BlockKind
    text: str = ""  # a paragraph's text; for a row, its cells joined by " | "
    cells: tuple[str, ...] = ()  # a row's cells
    table: int | None = None  # which table (0, 1, …) a row belongs to
    style: str | None = None  # the Word style name where there is one ("Heading 1", …)


@dataclass(frozen=True)
class SourceDocument:
    name: str  # the file name, for messages
    blocks: tuple[Block, ...]
    pages: int | None = None  # a PDF's page count; None for other formats


@dataclass(frozen=True)
class Suggestion:
    unit_id: str
    name: str


@dataclass(frozen=True)
class UnitRef:
    """A unit as the plan writes it, and what it is in the directory: ``unit_id``, or
    None with the closest ``suggestions``."""

    written: str
    unit_id: str | None = None
    suggestions: tuple[Suggestion, ...] = ()


@dataclass(frozen=True)
class ParsedTask:
    id: str  # the section path as written: "II.3", "II.3.6", "PL 4"
    text: str
    lead: tuple[UnitRef, ...] = ()
    coordinating: tuple[UnitRef, ...] = ()
    deadline_text: str | None = None  # as written; None when the plan gives none
    due: tuple[DeadlineSpec, ...] = ()
    product: str | None = None  # a table's "Sản phẩm" column, where there is one

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "lead": [u.written for u in self.lead],
            "coordinating": [u.written for u in self.coordinating],
            "lead_resolved": _resolved(self.lead),
            "coordinating_resolved": _resolved(self.coordinating),
            "deadline_text": self.deadline_text,
            "due": [spec_to_dict(spec) for spec in self.due],
            **({"product": self.product} if self.product else {}),
        }


def _resolved(refs: tuple[UnitRef, ...]) -> list[dict[str, Any]]:
    """Per unit as written: its directory id, or null with the best suggestions."""
    return [{"written": u.written, "unit": u.unit_id,
             **({} if u.unit_id else {"suggestions": [
                 {"unit": s.unit_id, "name": s.name} for s in u.suggestions]})}
            for u in refs]


@dataclass(frozen=True)
class ParsedPlan:
    title: str
    number: str | None = None  # "123/KH-UBND"
    issued: date | None = None
    year: int | None = None  # the year phrases without one take
    tasks: tuple[ParsedTask, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "number": self.number,
            "issued": self.issued.isoformat() if self.issued else None,
            "year": self.year,
            "tasks": [task.to_json() for task in self.tasks],
        }

    @property
    def unresolved(self) -> list[UnitRef]:
        """Every unit name the directory does not know, once, in order of appearance."""
        seen: dict[str, UnitRef] = {}
        for task in self.tasks:
            for ref in (*task.lead, *task.coordinating):
                if ref.unit_id is None:
                    seen.setdefault(ref.written, ref)
        return list(seen.values())


def plan_from_json(data: Any) -> ParsedPlan:
    """A parsed plan back from its JSON (an admin's corrected file). Raises ValueError
    with a message naming the place for anything malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
        raise ValueError("expected an object with a list of tasks")
    tasks = []
    for index, entry in enumerate(data["tasks"]):
        where = f"tasks[{index}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected an object")
        try:
            tasks.append(ParsedTask(
                id=_text(entry, "id", where), text=_text(entry, "text", where),
                lead=_refs(entry, "lead", where),
                coordinating=_refs(entry, "coordinating", where),
                deadline_text=_optional_text(entry.get("deadline_text"), where),
                due=tuple(spec_from_dict(spec) for spec in entry.get("due") or ()),
                product=_optional_text(entry.get("product"), where)))
        except (KeyError, TypeError) as error:
            raise ValueError(f"{where}: {error}") from None
    issued = data.get("issued")
    year = data.get("year")
    return ParsedPlan(
        title=str(data.get("title") or "").strip(),
        number=_optional_text(data.get("number"), "number"),
        issued=date.fromisoformat(issued) if isinstance(issued, str) and issued else None,
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
        tasks=tuple(tasks))


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str | int) or not str(value).strip():
        raise ValueError(f"{where}.{key}: expected text")
    return str(value).strip()


def _optional_text(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected text or null")
    return value.strip() or None


def _refs(entry: dict[str, Any], key: str, where: str) -> tuple[UnitRef, ...]:
    """Units as written, with the ids the file gives in ``<key>_resolved`` (a
    corrected file may name directory ids there); resolution is redone on import."""
    written = entry.get(key) or []
    if not isinstance(written, list) or not all(isinstance(w, str) for w in written):
        raise ValueError(f"{where}.{key}: expected a list of unit names")
    resolved = entry.get(f"{key}_resolved") or []
    ids: dict[str, str] = {}
    if isinstance(resolved, list):
        for item in resolved:
            if isinstance(item, dict) and isinstance(item.get("written"), str) \
                    and isinstance(item.get("unit"), str):
                ids[item["written"]] = item["unit"]
    return tuple(UnitRef(w.strip(), ids.get(w.strip())) for w in written if w.strip())

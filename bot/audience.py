"""Who a broadcast goes to, as plain data. Pure.

An audience is a description ("the members of the units that have not reported for
the 22/08/2023 cycle"), not a list of people: it is resolved into recipients when the
admin previews and again when sending resumes after a crash, so it is stored as
this small dict and not as thousands of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from bot.text import fold
from bot.units import UnitKind


class AudienceKind(StrEnum):
    EVERYONE = "all"  # every member, privately
    GROUPS = "groups"  # every bound group chat (units' and province-wide)
    UNITS = "units"  # chosen units: their members privately and their groups
    UNIT_KIND = "kind"  # every unit of one kind: their members and groups
    MISSING = "missing"  # units that have not reported for one cycle: members and groups


@dataclass(frozen=True)
class CycleRef:
    plan_id: str
    task_code: str
    due: date


@dataclass(frozen=True)
class Audience:
    kind: AudienceKind
    units: tuple[str, ...] = ()  # UNITS
    unit_kind: UnitKind | None = None  # UNIT_KIND
    cycle: CycleRef | None = None  # MISSING

    def __post_init__(self) -> None:
        if self.kind is AudienceKind.UNIT_KIND and self.unit_kind is None:
            raise ValueError("a unit-kind audience needs the kind")
        if self.kind is AudienceKind.MISSING and self.cycle is None:
            raise ValueError("a missing-report audience needs the cycle")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind.value}
        if self.kind is AudienceKind.UNITS:
            data["units"] = list(self.units)
        if self.unit_kind is not None:
            data["unit_kind"] = self.unit_kind.value
        if self.cycle is not None:
            data["cycle"] = {"plan": self.cycle.plan_id, "task": self.cycle.task_code,
                             "due": self.cycle.due.isoformat()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Audience:
        cycle = data.get("cycle")
        return cls(
            AudienceKind(data["kind"]),
            units=tuple(str(u) for u in data.get("units", ())),
            unit_kind=UnitKind(data["unit_kind"]) if data.get("unit_kind") else None,
            cycle=CycleRef(str(cycle["plan"]), str(cycle["task"]),
                           date.fromisoformat(str(cycle["due"]))) if cycle else None,
        )


# What an admin may type for a kind of unit, in either language.
KIND_WORDS: dict[str, UnitKind] = {
    "department": UnitKind.DEPARTMENT, "departments": UnitKind.DEPARTMENT,
    "so": UnitKind.DEPARTMENT, "cac so": UnitKind.DEPARTMENT,
    "so ban nganh": UnitKind.DEPARTMENT,
    "locality": UnitKind.LOCALITY, "localities": UnitKind.LOCALITY,
    "dia phuong": UnitKind.LOCALITY, "huyen": UnitKind.LOCALITY, "xa": UnitKind.LOCALITY,
    "expert team": UnitKind.EXPERT_TEAM, "expert teams": UnitKind.EXPERT_TEAM,
    "expert_team": UnitKind.EXPERT_TEAM, "to chuyen gia": UnitKind.EXPERT_TEAM,
    "other": UnitKind.OTHER, "khac": UnitKind.OTHER,
}

BROADCAST_KINDS = (UnitKind.DEPARTMENT, UnitKind.LOCALITY, UnitKind.EXPERT_TEAM,
                   UnitKind.OTHER)


def unit_kind_named(text: str) -> UnitKind | None:
    """"sở", "dia phuong", "expert_team" … → the kind; None when it names none."""
    return KIND_WORDS.get(fold(text.replace("_", " ")))

"""The unit directory: agencies, their names, the collectives plans assign work to,
and the merges that reorganisations make.

Pure. A plan names assignees as they were called on the day it was written
("Sở Kế hoạch và Đầu tư", "UBND các huyện, thị xã, thành phố"); the directory
turns those into today's concrete units: collectives expand to their members and
a merged unit stands for the unit that absorbed it, so an old plan's wording still
lands on the right desk and no history is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum


class UnitKind(StrEnum):
    DEPARTMENT = "department"  # sở, ban, ngành: provincial agencies
    LOCALITY = "locality"  # UBND cấp huyện (district-level) or cấp xã
    EXPERT_TEAM = "expert_team"  # tổ chuyên gia
    OTHER = "other"  # UBND tỉnh, party bodies, steering committees …
    COLLECTIVE = "collective"  # a named group of units, never a unit itself


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: UnitKind
    abbreviations: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    merged_into: str | None = None
    active: bool = True
    # Collectives only: members by kind ("all departments") and by id.
    member_kinds: tuple[UnitKind, ...] = ()
    members: tuple[str, ...] = ()
    note: str = ""

    @property
    def is_collective(self) -> bool:
        return self.kind is UnitKind.COLLECTIVE

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the unit answers to, the canonical one first."""
        return (self.name, *self.abbreviations, *self.aliases)


class DirectoryError(ValueError):
    pass


class Directory:
    """An immutable view over a set of units, with collective expansion and merges."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self._units: dict[str, Unit] = {}
        for unit in units:
            if unit.id in self._units:
                raise DirectoryError(f"duplicate unit id {unit.id!r}")
            self._units[unit.id] = unit
        self._check_references()
        # The directory never changes after construction, and /due asks about the
        # same collectives for every task: remember each expansion.
        self._expanded: dict[str, frozenset[str]] = {}
        self._predecessors: dict[str, frozenset[str]] | None = None

    def _check_references(self) -> None:
        for unit in self._units.values():
            refs = [*unit.members, *([unit.merged_into] if unit.merged_into else [])]
            for ref in refs:
                if ref not in self._units:
                    raise DirectoryError(f"{unit.id!r} refers to unknown unit {ref!r}")
            if unit.merged_into:
                self.successor(unit.id)  # raises on a cycle

    def __iter__(self) -> Iterator[Unit]:
        return iter(self._units.values())

    def __len__(self) -> int:
        return len(self._units)

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self._units

    def get(self, unit_id: str) -> Unit:
        try:
            return self._units[unit_id]
        except KeyError:
            raise DirectoryError(f"unknown unit {unit_id!r}") from None

    def successor(self, unit_id: str) -> str:
        """The unit that stands for ``unit_id`` today (itself unless merged)."""
        seen = {unit_id}
        current = self.get(unit_id)
        while current.merged_into:
            if current.merged_into in seen:
                raise DirectoryError(f"merge cycle through {unit_id!r}")
            seen.add(current.merged_into)
            current = self.get(current.merged_into)
        return current.id

    def predecessors(self, unit_id: str) -> frozenset[str]:
        """Units merged (directly or through a chain) into ``unit_id``."""
        if self._predecessors is None:
            # Every /due asks (history under old ids): one pass over the directory for
            # all units, not one per question (5,000 units: ~1.5 ms each time).
            found: dict[str, set[str]] = {}
            for unit in self:
                if unit.merged_into:
                    found.setdefault(self.successor(unit.id), set()).add(unit.id)
            self._predecessors = {k: frozenset(v) for k, v in found.items()}
        return self._predecessors.get(unit_id, frozenset())

    def concrete_units(self, *, include_inactive: bool = False) -> list[Unit]:
        return [
            u for u in self
            if not u.is_collective and not u.merged_into and (u.active or include_inactive)
        ]

    def expand(self, unit_id: str) -> frozenset[str]:
        """The concrete, current units that ``unit_id`` designates."""
        if unit_id not in self._expanded:
            self._expanded[unit_id] = self._expand(unit_id, frozenset())
        return self._expanded[unit_id]

    def _expand(self, unit_id: str, visiting: frozenset[str]) -> frozenset[str]:
        if unit_id in visiting:
            raise DirectoryError(f"collective cycle through {unit_id!r}")
        unit = self.get(unit_id)
        if not unit.is_collective:
            current = self.get(self.successor(unit_id))
            return frozenset({current.id}) if current.active else frozenset()
        found = {u.id for u in self.concrete_units() if u.kind in unit.member_kinds}
        for member in unit.members:
            found |= self._expand(member, visiting | {unit_id})
        return frozenset(found)

    def designates(self, assignees: Iterable[str], unit_id: str) -> bool:
        """Whether any of ``assignees`` (units or collectives) covers ``unit_id``."""
        return any(unit_id in self.expand(a) for a in assignees if a in self)

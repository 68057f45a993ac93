"""What an admin's edit of the unit directory must satisfy, before it touches the
database. Pure: names, kinds, new ids, and the checks of a rename, merge or
deactivation against the current directory.

Failures are ``UnitEditError`` with a short code; the chat and the shell word them
each in their own way.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from enum import StrEnum

from bot.text import fold, nfc
from bot.units import Directory, Unit, UnitKind

MAX_NAME_LENGTH = 120  # the longest seed name is about 80 characters
# A new id fits a button twice ("unit:mg:<id>:<id>" ≤ 64 bytes, Telegram's limit).
MAX_ID_LENGTH = 24
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SEPARATORS = re.compile(r"\s*(?:=>|->|→)\s*")


class EditError(StrEnum):
    EMPTY_NAME = "empty_name"
    NAME_TOO_LONG = "name_too_long"
    NAME_TAKEN = "name_taken"  # another unit already answers to it
    UNKNOWN_UNIT = "unknown_unit"
    COLLECTIVE = "collective"  # a named group of units, not a unit
    MERGED = "merged"  # already folded into another unit
    SAME_UNIT = "same_unit"  # merging a unit into itself (or its own successor chain)
    INACTIVE_TARGET = "inactive_target"  # merging into a unit that no longer exists
    UNCHANGED = "unchanged"  # already active / inactive / so named


class UnitEditError(ValueError):
    def __init__(self, code: EditError, unit: str | None = None) -> None:
        super().__init__(code.value)
        self.code = code
        self.unit = unit  # the unit the error is about, by name, when there is one


# Kind words, folded: the English ids and what an admin types in Vietnamese.
_KIND_WORDS: dict[str, UnitKind] = {
    "department": UnitKind.DEPARTMENT, "so": UnitKind.DEPARTMENT,
    "so ban nganh": UnitKind.DEPARTMENT, "ban nganh": UnitKind.DEPARTMENT,
    "nganh": UnitKind.DEPARTMENT, "co quan": UnitKind.DEPARTMENT,
    "locality": UnitKind.LOCALITY, "dia phuong": UnitKind.LOCALITY,
    "expert team": UnitKind.EXPERT_TEAM, "expert_team": UnitKind.EXPERT_TEAM,
    "to chuyen gia": UnitKind.EXPERT_TEAM, "tcg": UnitKind.EXPERT_TEAM,
    "other": UnitKind.OTHER, "khac": UnitKind.OTHER,
}
_ENGLISH_KINDS = frozenset({"department", "locality", "expert_team", "other"})
# How a name starts says what it is, when the admin does not.
_KIND_PREFIXES: tuple[tuple[str, UnitKind], ...] = (
    ("to chuyen gia", UnitKind.EXPERT_TEAM), ("tcg", UnitKind.EXPERT_TEAM),
    ("ubnd tinh", UnitKind.OTHER), ("uy ban nhan dan tinh", UnitKind.OTHER),
    ("ubnd", UnitKind.LOCALITY), ("uy ban nhan dan", UnitKind.LOCALITY),
    ("so", UnitKind.DEPARTMENT), ("ban quan ly", UnitKind.DEPARTMENT),
    ("bql", UnitKind.DEPARTMENT), ("cuc", UnitKind.DEPARTMENT),
    ("chi cuc", UnitKind.DEPARTMENT), ("cong an", UnitKind.DEPARTMENT),
    ("thanh tra", UnitKind.DEPARTMENT), ("van phong", UnitKind.DEPARTMENT),
)


def parse_kind(text: str) -> UnitKind | None:
    """A unit kind from its English id or Vietnamese words ("sở", "địa phương" …)."""
    folded = fold(text)
    return _KIND_WORDS.get(folded) or _KIND_WORDS.get(folded.replace("_", " "))


def infer_kind(name: str) -> UnitKind:
    folded = fold(name)
    for prefix, kind in _KIND_PREFIXES:
        if folded == prefix or folded.startswith(prefix + " "):
            return kind
    return UnitKind.OTHER


def clean_name(text: str) -> str:
    """One spelling of a name as typed: NFC, single spaces, no control characters."""
    name = " ".join(_CONTROL.sub(" ", nfc(text)).split())
    if not fold(name):
        raise UnitEditError(EditError.EMPTY_NAME)
    if len(name) > MAX_NAME_LENGTH:
        raise UnitEditError(EditError.NAME_TOO_LONG)
    return name


def split_name_and_kind(text: str) -> tuple[str, UnitKind | None]:
    """"Sở Ngoại vụ, sở" or "Sở Ngoại vụ department" → the name and the kind given.

    A Vietnamese kind word counts only after a comma, semicolon or bar, since a
    name may end with one; an English id is never part of a Vietnamese name.
    """
    cut = max(text.rfind(mark) for mark in ",;|")
    if cut >= 0 and (kind := parse_kind(text[cut + 1:])):
        return text[:cut], kind
    words = text.split()
    if len(words) > 1 and words[-1].lower() in _ENGLISH_KINDS:
        return " ".join(words[:-1]), UnitKind(words[-1].lower())
    return text, None


def split_arrow(text: str) -> tuple[str, str] | None:
    """"<unit> => <other>" (also -> and →); None without an arrow."""
    parts = _SEPARATORS.split(text, maxsplit=1)
    if len(parts) != 2:
        return None
    return parts[0].strip(), parts[1].strip()


def new_unit_id(name: str, taken: Collection[str]) -> str:
    """A slug of the folded name, at most ``MAX_ID_LENGTH`` characters, unique."""
    words = fold(name).split()
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > MAX_ID_LENGTH:
            break
        slug = longer
    slug = slug or words[0][:MAX_ID_LENGTH]
    candidate, number = slug, 2
    while candidate in taken:
        suffix = f"-{number}"
        candidate = slug[:MAX_ID_LENGTH - len(suffix)].rstrip("-") + suffix
        number += 1
    return candidate


def owner_of_name(directory: Directory, name: str) -> Unit | None:
    """The unit that already answers to ``name`` (compared folded), if any."""
    folded = fold(name)
    return next((u for u in directory if any(fold(n) == folded for n in u.names)), None)


def editable(directory: Directory, unit_id: str) -> Unit:
    """The concrete unit an edit is about, or the reason there is none."""
    if unit_id not in directory:
        raise UnitEditError(EditError.UNKNOWN_UNIT)
    unit = directory.get(unit_id)
    if unit.is_collective:
        raise UnitEditError(EditError.COLLECTIVE, unit.name)
    return unit


def check_rename(directory: Directory, unit_id: str, name: str) -> Unit:
    unit = editable(directory, unit_id)
    if unit.merged_into:
        raise UnitEditError(EditError.MERGED, directory.get(unit.merged_into).name)
    if unit.name == name:
        raise UnitEditError(EditError.UNCHANGED, unit.name)
    owner = owner_of_name(directory, name)
    if owner is not None and owner.id != unit_id:
        raise UnitEditError(EditError.NAME_TAKEN, owner.name)
    return unit


def check_merge(directory: Directory, unit_id: str, into: str) -> tuple[Unit, Unit]:
    """The unit and today's unit it would merge into (``into`` may be an old name)."""
    unit = editable(directory, unit_id)
    if unit.merged_into:
        raise UnitEditError(EditError.MERGED, directory.get(unit.merged_into).name)
    target = editable(directory, directory.successor(editable(directory, into).id))
    if target.id == unit.id:
        raise UnitEditError(EditError.SAME_UNIT, unit.name)
    if not target.active:
        raise UnitEditError(EditError.INACTIVE_TARGET, target.name)
    return unit, target


def check_activity(directory: Directory, unit_id: str, active: bool) -> Unit:
    unit = editable(directory, unit_id)
    if unit.merged_into:
        raise UnitEditError(EditError.MERGED, directory.get(unit.merged_into).name)
    if unit.active == active:
        raise UnitEditError(EditError.UNCHANGED, unit.name)
    return unit

"""The unit directory in the database: ``bot.units.Directory`` in, and back out."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.units import Directory, Unit, UnitKind
from storage import chats as chat_store
from storage import join_requests as request_store
from storage import members as member_store
from storage.models import Base, CollectiveMember, UnitAlias, UnitRow, assign
from storage.reminder_settings import get_state, set_state

DIRECTORY_VERSION = "directory.version"
"""A scheduler_state value that changes with every edit of the directory (and of
anything else in the services' snapshot): a process whose loaded value differs
reloads. A fresh random value rather than a counter, so that two edits made at
once in two processes can never leave the same value behind."""


def _fields(unit: Unit) -> dict[str, Any]:
    return {
        "name": unit.name,
        "kind": unit.kind.value,
        "active": unit.active,
        "member_kinds": [kind.value for kind in unit.member_kinds],
        "note": unit.note,
    }


def _alias_list(unit: Unit) -> list[tuple[str, bool]]:
    # A name listed both as abbreviation and alias is stored once, as written first.
    seen: dict[str, bool] = {}
    for name in unit.abbreviations:
        seen.setdefault(name, True)
    for name in unit.aliases:
        seen.setdefault(name, False)
    return list(seen.items())


async def save_directory(session: AsyncSession, directory: Directory, *, at: datetime) -> None:
    """Insert or update every unit of ``directory`` with its aliases and members.

    Idempotent: saving the same directory again changes nothing, not even
    ``updated_at``. Units in the database but not in ``directory`` are left alone:
    progress updates and members may still point at them.
    """
    rows = {row.id: row for row in await session.scalars(select(UnitRow))}
    changed: set[str] = set()
    for unit in directory:
        row = rows.get(unit.id)
        if row is None:
            # merged_into comes in a second pass: its target may not be inserted yet.
            row = UnitRow(id=unit.id, merged_into=None, created_at=at, updated_at=at,
                          **_fields(unit))
            session.add(row)
            rows[unit.id] = row
        elif assign(row, _fields(unit)):
            changed.add(unit.id)
    await session.flush()
    for unit in directory:
        if assign(rows[unit.id], {"merged_into": unit.merged_into}):
            changed.add(unit.id)

    changed |= await _sync_aliases(session, directory)
    changed |= await _sync_members(session, directory)
    for unit_id in changed:
        rows[unit_id].updated_at = at
    await session.flush()


async def _sync_aliases(session: AsyncSession, directory: Directory) -> set[str]:
    current: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for alias in await session.scalars(select(UnitAlias).order_by(UnitAlias.id)):
        current[alias.unit_id].append((alias.alias, alias.is_abbreviation))
    changed = {u.id for u in directory if current.get(u.id, []) != _alias_list(u)}
    await _replace(
        session, UnitAlias, UnitAlias.unit_id, changed,
        [
            {"unit_id": unit.id, "alias": name, "is_abbreviation": abbreviation}
            for unit in directory if unit.id in changed
            for name, abbreviation in _alias_list(unit)
        ],
    )
    return changed


async def _sync_members(session: AsyncSession, directory: Directory) -> set[str]:
    current: dict[str, list[str]] = defaultdict(list)
    query = select(CollectiveMember).order_by(CollectiveMember.position)
    for member in await session.scalars(query):
        current[member.collective_id].append(member.member_id)
    wanted = {u.id: list(dict.fromkeys(u.members)) for u in directory}
    changed = {uid for uid, members in wanted.items() if current.get(uid, []) != members}
    await _replace(
        session, CollectiveMember, CollectiveMember.collective_id, changed,
        [
            {"collective_id": uid, "member_id": member, "position": position}
            for uid in sorted(changed)
            for position, member in enumerate(wanted[uid])
        ],
    )
    return changed


async def _replace(
    session: AsyncSession,
    model: type[Base],
    owner: InstrumentedAttribute[str],
    owners: set[str],
    rows: Sequence[dict[str, Any]],
) -> None:
    """Replace the child rows of ``owners`` with ``rows``.

    Delete, then insert, as two statements: the ORM's unit of work would insert
    before deleting and trip the unique constraint on a name that stays.
    """
    if owners:
        await session.execute(delete(model).where(owner.in_(owners)))
    if rows:
        await session.execute(insert(model), list(rows))


async def load_directory(session: AsyncSession) -> Directory:
    """Read as columns, not ORM objects: this runs at every start (5,000 units)."""
    aliases: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for unit_id, alias, is_abbreviation in await session.execute(
            select(UnitAlias.unit_id, UnitAlias.alias, UnitAlias.is_abbreviation)
            .order_by(UnitAlias.id)):
        aliases[unit_id].append((alias, is_abbreviation))
    members: dict[str, list[str]] = defaultdict(list)
    query = select(CollectiveMember.collective_id, CollectiveMember.member_id).order_by(
        CollectiveMember.collective_id, CollectiveMember.position
    )
    for collective_id, member_id in await session.execute(query):
        members[collective_id].append(member_id)
    rows = await session.execute(
        select(UnitRow.id, UnitRow.name, UnitRow.kind, UnitRow.merged_into, UnitRow.active,
               UnitRow.member_kinds, UnitRow.note).order_by(UnitRow.id))
    return Directory(
        Unit(
            id=row.id,
            name=row.name,
            kind=UnitKind(row.kind),
            abbreviations=tuple(name for name, short in aliases[row.id] if short),
            aliases=tuple(name for name, short in aliases[row.id] if not short),
            merged_into=row.merged_into,
            active=row.active,
            member_kinds=tuple(UnitKind(kind) for kind in row.member_kinds),
            members=tuple(members[row.id]),
            note=row.note,
        )
        for row in rows
    )


# --- Admins' edits: the caller's transaction, one per edit ----------------------------


@dataclass(frozen=True)
class Moved:
    """What a merge carried over to the successor."""

    members: int
    chats: int
    requests: int


async def add_unit(session: AsyncSession, unit: Unit, *, at: datetime) -> None:
    """Insert a new unit with its names; the caller has checked that the id is free."""
    session.add(UnitRow(id=unit.id, merged_into=None, created_at=at, updated_at=at,
                        **_fields(unit)))
    await session.flush()
    for name, abbreviation in _alias_list(unit):
        session.add(UnitAlias(unit_id=unit.id, alias=name, is_abbreviation=abbreviation))
    await session.flush()


async def add_alias(session: AsyncSession, unit_id: str, alias: str, *,
                    at: datetime) -> bool:
    """Another name for the unit (a plan's wording an admin mapped to it); False when
    the unit already had it. The caller has checked that no other unit has it."""
    row = await session.get(UnitRow, unit_id)
    if row is None:
        raise ValueError(f"unknown unit {unit_id!r}")
    if alias == row.name or await session.scalar(
            select(UnitAlias.id).where(UnitAlias.unit_id == unit_id,
                                       UnitAlias.alias == alias)) is not None:
        return False
    session.add(UnitAlias(unit_id=unit_id, alias=alias, is_abbreviation=False))
    row.updated_at = at
    await session.flush()
    return True


async def rename_unit(session: AsyncSession, unit_id: str, name: str, *,
                      at: datetime) -> str | None:
    """Give the unit a new name; the old one becomes an alias, so plans and people
    that still use it land here. The old name; None when the unit is unknown."""
    row = await session.get(UnitRow, unit_id)
    if row is None:
        return None
    old = row.name
    if old == name:
        return old
    # A former alias that becomes the name is the name only, not both.
    await session.execute(
        delete(UnitAlias).where(UnitAlias.unit_id == unit_id, UnitAlias.alias == name))
    kept = await session.scalar(
        select(UnitAlias.id).where(UnitAlias.unit_id == unit_id, UnitAlias.alias == old))
    if kept is None:
        session.add(UnitAlias(unit_id=unit_id, alias=old, is_abbreviation=False))
    row.name, row.updated_at = name, at
    await session.flush()
    return old


async def merge_unit(session: AsyncSession, unit_id: str, into: str, *,
                     at: datetime) -> Moved | None:
    """Fold ``unit_id`` into ``into``: it stands for ``into`` from now on, and its
    members, group bindings and pending join requests move there. Its progress
    updates stay under its own id (``Directory.predecessors`` reads them for the
    successor), so history is exactly as it was written. None when either is unknown;
    the caller has checked that ``into`` does not lead back to ``unit_id``."""
    row = await session.get(UnitRow, unit_id)
    if row is None or await session.get(UnitRow, into) is None:
        return None
    row.merged_into, row.updated_at = into, at
    await session.flush()
    return Moved(
        members=await member_store.move_members(session, unit_id, into),
        chats=await chat_store.move_bindings(session, unit_id, into, at=at),
        requests=await request_store.move_pending(session, unit_id, into),
    )


async def set_unit_active(session: AsyncSession, unit_id: str, active: bool, *,
                          at: datetime) -> bool:
    """Deactivate a unit that no longer exists (and nothing took over), or bring it
    back. False when the unit is unknown."""
    row = await session.get(UnitRow, unit_id)
    if row is None:
        return False
    if row.active != active:
        row.active, row.updated_at = active, at
        await session.flush()
    return True


async def directory_version(session: AsyncSession) -> str | None:
    return await get_state(session, DIRECTORY_VERSION)


async def bump_directory_version(session: AsyncSession, *, at: datetime) -> str:
    """Mark the directory (or the snapshot) changed, for every process on the database."""
    version = uuid.uuid4().hex
    await set_state(session, DIRECTORY_VERSION, version, at=at)
    return version

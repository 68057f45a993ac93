"""The unit directory in the database: ``bot.units.Directory`` in, and back out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.units import Directory, Unit, UnitKind
from storage.models import Base, CollectiveMember, UnitAlias, UnitRow, assign


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
    aliases: dict[str, list[UnitAlias]] = defaultdict(list)
    for alias in await session.scalars(select(UnitAlias).order_by(UnitAlias.id)):
        aliases[alias.unit_id].append(alias)
    members: dict[str, list[str]] = defaultdict(list)
    query = select(CollectiveMember).order_by(
        CollectiveMember.collective_id, CollectiveMember.position
    )
    for member in await session.scalars(query):
        members[member.collective_id].append(member.member_id)
    return Directory(
        Unit(
            id=row.id,
            name=row.name,
            kind=UnitKind(row.kind),
            abbreviations=tuple(a.alias for a in aliases[row.id] if a.is_abbreviation),
            aliases=tuple(a.alias for a in aliases[row.id] if not a.is_abbreviation),
            merged_into=row.merged_into,
            active=row.active,
            member_kinds=tuple(UnitKind(kind) for kind in row.member_kinds),
            members=tuple(members[row.id]),
            note=row.note,
        )
        for row in await session.scalars(select(UnitRow).order_by(UnitRow.id))
    )

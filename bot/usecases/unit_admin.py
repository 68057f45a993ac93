"""Admins' edits of the unit directory: add, rename, merge, deactivate, activate — from
the chat and from the shell alike.

Each edit is checked against a fresh directory (``bot.unit_edits``), written in one
transaction with its audit entry and a new directory version, and then reloaded
here; other processes on the database see the version change on their next tick
and reload too. A refused edit changes nothing and is audited as failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Services
from bot.unit_edits import (
    EditError,
    UnitEditError,
    check_activity,
    check_merge,
    check_rename,
    clean_name,
    infer_kind,
    new_unit_id,
    owner_of_name,
)
from bot.units import Unit, UnitKind
from bot.usecases.audit import AuditLog, Outcome
from storage import units as unit_store
from storage.units import Moved


@dataclass(frozen=True)
class Merged:
    unit: Unit  # as it was before the merge
    into: Unit
    moved: Moved


class UnitAdmin:
    def __init__(self, services: Services, audit: AuditLog) -> None:
        self.services = services
        self.audit = audit

    async def _fresh(self) -> None:
        """Check against what the database holds now, not against what this process
        loaded: the shell or another process may have edited meanwhile."""
        await self.services.reload_if_changed()

    async def _failed(self, error: UnitEditError, *, actor: str, action: str,
                      target: str | None, now: datetime,
                      detail: dict[str, Any] | None = None) -> UnitEditError:
        await self.audit.record(actor=actor, action=action, target=target, at=now,
                                detail={**(detail or {}), "error": error.code.value},
                                outcome=Outcome.FAILED)
        return error

    async def add(self, name: str, kind: UnitKind | None, *, actor: str,
                  now: datetime) -> Unit:
        """A new unit; ``kind`` None: guessed from how the name starts."""
        await self._fresh()
        directory = self.services.directory
        try:
            name = clean_name(name)
            if owner := owner_of_name(directory, name):
                raise UnitEditError(EditError.NAME_TAKEN, owner.name)
        except UnitEditError as error:
            raise await self._failed(error, actor=actor, action="unit.add", target=None,
                                     now=now, detail={"name": name[:200]}) from None
        unit = Unit(new_unit_id(name, {u.id for u in directory}), name,
                    kind or infer_kind(name))
        try:
            async with self.services.sessions.begin() as session:
                await unit_store.add_unit(session, unit, at=now)
                await self._done(session, actor, "unit.add", unit.id, now,
                                 {"name": name, "kind": unit.kind.value})
        except IntegrityError:
            # Another process added the same id between our check and our insert.
            await self.services.reload()
            raise await self._failed(UnitEditError(EditError.NAME_TAKEN, name), actor=actor,
                                     action="unit.add", target=None, now=now) from None
        await self.services.reload()
        return unit

    async def rename(self, unit_id: str, name: str, *, actor: str,
                     now: datetime) -> tuple[str, Unit]:
        """The old name, and the unit as renamed; the old name keeps resolving."""
        await self._fresh()
        try:
            name = clean_name(name)
            check_rename(self.services.directory, unit_id, name)
        except UnitEditError as error:
            raise await self._failed(error, actor=actor, action="unit.rename",
                                     target=f"unit:{unit_id}", now=now,
                                     detail={"to": name[:200]}) from None
        async with self.services.sessions.begin() as session:
            old = await unit_store.rename_unit(session, unit_id, name, at=now)
            await self._done(session, actor, "unit.rename", unit_id, now,
                             {"from": old, "to": name})
        await self.services.reload()
        return old or "", self.services.directory.get(unit_id)

    def check_merge(self, unit_id: str, into: str) -> tuple[Unit, Unit]:
        """What a merge would do, for the confirmation: raises what ``merge`` would."""
        return check_merge(self.services.directory, unit_id, into)

    async def merge(self, unit_id: str, into: str, *, actor: str, now: datetime) -> Merged:
        await self._fresh()
        try:
            unit, target = check_merge(self.services.directory, unit_id, into)
        except UnitEditError as error:
            raise await self._failed(error, actor=actor, action="unit.merge",
                                     target=f"unit:{unit_id}", now=now,
                                     detail={"into": into}) from None
        async with self.services.sessions.begin() as session:
            moved = await unit_store.merge_unit(session, unit.id, target.id, at=now)
            assert moved is not None  # both exist: checked above
            await self._done(session, actor, "unit.merge", unit.id, now,
                             {"into": target.id, "members": moved.members,
                              "chats": moved.chats, "requests": moved.requests})
        await self.services.reload()
        return Merged(unit, target, moved)

    def check_activity(self, unit_id: str, active: bool) -> Unit:
        return check_activity(self.services.directory, unit_id, active)

    async def set_active(self, unit_id: str, active: bool, *, actor: str,
                         now: datetime) -> Unit:
        action = "unit.activate" if active else "unit.deactivate"
        await self._fresh()
        try:
            check_activity(self.services.directory, unit_id, active)
        except UnitEditError as error:
            raise await self._failed(error, actor=actor, action=action,
                                     target=f"unit:{unit_id}", now=now) from None
        async with self.services.sessions.begin() as session:
            await unit_store.set_unit_active(session, unit_id, active, at=now)
            await self._done(session, actor, action, unit_id, now, None)
        await self.services.reload()
        return self.services.directory.get(unit_id)

    async def _done(self, session: AsyncSession, actor: str, action: str, unit_id: str,
                    now: datetime, detail: dict[str, Any] | None) -> None:
        await self.audit.record(actor=actor, action=action, target=f"unit:{unit_id}",
                                at=now, detail=detail, session=session)
        await unit_store.bump_directory_version(session, at=now)

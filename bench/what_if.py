"""What the enqueue tick would cost with two changes to the engine, tried by swapping
its collaborators at run time (the engine's own files are not touched):

- ``render cache``: every officer of a unit gets the same text in the same language,
  so render once per (reminder, audience, language, units) instead of per recipient
  (the engine itself does so since commit 2754feb: there this variant changes nothing);
- ``lean member query``: read the five columns the engine uses instead of 20,000
  ORM ``Member`` objects.

Each variant empties the outbox and replays the tick; the rows must come out the
same (count and payloads), or the variant is reported as wrong.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Collection, Iterator
from datetime import date
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.world import PREVIOUS_TICK, TICK, clear_outbox, set_last_tick
from bot.app import App
from storage import members as member_store
from storage.models import Member, OutboxMessage
from storage.models_reminders import MemberAbsence


@contextlib.contextmanager
def render_cache(app: App) -> Iterator[None]:
    engine = app.usecases.reminders
    original = engine.render
    cache: dict[tuple[Any, ...], Any] = {}

    def cached(reminder: Any, *, audience: str, language: str, units: Collection[str] = (),
               **rest: Any) -> Any:
        key = (reminder.key, audience, language, tuple(units), rest.get("task_id"))
        if key not in cache:
            cache[key] = original(reminder, audience=audience, language=language,
                                  units=units, **rest)
        return cache[key]

    engine.render = cached
    try:
        yield
    finally:
        engine.render = original


async def _lean_reachable_members(session: AsyncSession, unit_ids: Collection[str], *,
                                  on: date) -> dict[str, list[Any]]:
    """storage.members.reachable_members, selecting columns instead of entities."""
    reached: dict[str, list[Any]] = {unit_id: [] for unit_id in unit_ids}
    if not reached:
        return reached
    away = exists().where(MemberAbsence.member_id == Member.id, MemberAbsence.starts <= on,
                          MemberAbsence.ends >= on)
    rows = await session.execute(
        select(Member.id, Member.unit_id, Member.channel, Member.chat_id, Member.language)
        .where(Member.unit_id.in_(list(reached)), Member.active, ~Member.muted,
               Member.chat_id.is_not(None), ~away, member_store.on_push_channel())
        .order_by(Member.id))
    for row in rows:
        reached[row.unit_id].append(row)
    return reached


@contextlib.contextmanager
def lean_member_query() -> Iterator[None]:
    original = member_store.reachable_members
    member_store.reachable_members = _lean_reachable_members
    try:
        yield
    finally:
        member_store.reachable_members = original


async def _fingerprint(app: App) -> tuple[int, int]:
    """Rows, and a checksum of their keys and payload sizes: enough to tell a variant
    that changed what is sent."""
    async with app.sessions() as session:
        count, checksum = (await session.execute(select(
            func.count(),
            func.sum(func.length(OutboxMessage.key) + func.length(OutboxMessage.payload)),
        ))).one()
    return int(count), int(checksum or 0)


async def _timed_tick(app: App) -> tuple[float, tuple[int, int]]:
    await clear_outbox(app.sessions)
    await set_last_tick(app.sessions, PREVIOUS_TICK)
    started = time.perf_counter()
    await app.usecases.reminders.tick(TICK)
    return time.perf_counter() - started, await _fingerprint(app)


async def compare(app: App) -> dict[str, Any]:
    baseline, expected = await _timed_tick(app)
    results: dict[str, Any] = {"as is": {"seconds": round(baseline, 3)}}
    variants: dict[str, Callable[[], contextlib.AbstractContextManager[None]]] = {
        "render cache": lambda: render_cache(app),
        "lean member query": lean_member_query,
        "both": lambda: _both(app),
    }
    for name, variant in variants.items():
        with variant():
            seconds, got = await _timed_tick(app)
        results[name] = {"seconds": round(seconds, 3), "same_rows": got == expected}
    return results


@contextlib.contextmanager
def _both(app: App) -> Iterator[None]:
    with render_cache(app), lean_member_query():
        yield

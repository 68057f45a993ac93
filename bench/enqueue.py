"""Timing the reminder tick that expands one occurrence into outbox rows, and where
its time goes.

The breakdown wraps the collaborators the engine calls (the schedule, the two
recipient queries, the renderer, the bulk insert) with timers for one extra tick;
the headline figure is measured without them.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import bot.usecases.reminders as reminder_usecase
from bench.world import (
    PREVIOUS_TICK,
    TICK,
    clear_outbox,
    outbox_rows,
    payload_bytes,
    set_last_tick,
)
from bot.app import App
from storage import chats as chat_store
from storage import members as member_store
from storage import outbox as outbox_store


@dataclass(frozen=True)
class EnqueueResult:
    enqueued: int
    seconds: float
    next_tick_enqueued: int  # the following minute's tick
    next_tick_seconds: float
    replay_enqueued: int  # the same tick again (restart, second process): must be 0
    replay_seconds: float
    rows_in_outbox: int
    payload_bytes: int  # JSON of every row's message, summed: what the insert writes

    @property
    def rows_per_second(self) -> float:
        return self.enqueued / self.seconds if self.seconds else 0.0


async def measure(app: App) -> EnqueueResult:
    engine = app.usecases.reminders
    # The tick before: sets the engine's last-tick mark and warms what a running
    # bot has warm (holiday tables, compiled statements, translations).
    await engine.tick(PREVIOUS_TICK)
    started = time.perf_counter()
    first = await engine.tick(TICK)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    following = await engine.tick(TICK + timedelta(minutes=1))
    next_seconds = time.perf_counter() - started
    await set_last_tick(app.sessions, PREVIOUS_TICK)
    started = time.perf_counter()
    replay = await engine.tick(TICK)
    replay_seconds = time.perf_counter() - started
    return EnqueueResult(first.enqueued, seconds, following.enqueued, next_seconds,
                         replay.enqueued, replay_seconds, await outbox_rows(app.sessions),
                         await payload_bytes(app.sessions))


@dataclass
class Breakdown:
    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    total: float = 0.0
    missing: list[str] = field(default_factory=list)  # hooks the code no longer has
    profile: str = ""

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        self.calls[name] = self.calls.get(name, 0) + 1


def _timed(function: Callable[..., Any], name: str, into: Breakdown) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(function):
        @functools.wraps(function)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                into.add(name, time.perf_counter() - started)
        return timed_async

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            into.add(name, time.perf_counter() - started)
    return timed


@contextlib.contextmanager
def _hooks(app: App, into: Breakdown) -> Iterator[None]:
    engine = app.usecases.reminders
    targets: list[tuple[object, str, str]] = [
        (engine, "schedule", "schedule (plans × calendar)"),
        (member_store, "reachable_members", "query: reachable members"),
        (chat_store, "bound_chats_for_units", "query: bound groups"),
        (engine, "render", "render replies"),
        (reminder_usecase, "reply_to_payload", "reply → JSON payload"),
        (outbox_store, "enqueue_many", "INSERT … ON CONFLICT (executemany)"),
    ]
    undo: list[tuple[object, str, Any, bool]] = []
    for owner, attribute, label in targets:
        original = getattr(owner, attribute, None)
        if original is None:
            into.missing.append(f"{type(owner).__name__}.{attribute}")
            continue
        on_instance = attribute in vars(owner)
        setattr(owner, attribute, _timed(original, label, into))
        undo.append((owner, attribute, original, on_instance))
    try:
        yield
    finally:
        for owner, attribute, original, on_instance in reversed(undo):
            if on_instance:
                setattr(owner, attribute, original)
            else:
                delattr(owner, attribute)


async def breakdown(app: App, profile_to: Path | None = None) -> Breakdown:
    """Empty the outbox, run the same tick again with timers (and a profiler when
    asked for), and say where its time went."""
    await clear_outbox(app.sessions)
    await set_last_tick(app.sessions, PREVIOUS_TICK)
    result = Breakdown()
    profiler: Any = None
    if profile_to is not None:
        profiler = new_profiler()
        profiler.start()
    started = time.perf_counter()
    with _hooks(app, result):
        await app.usecases.reminders.tick(TICK)
    result.total = time.perf_counter() - started
    if profiler is not None and profile_to is not None:
        profiler.stop()
        result.profile = write_profile(profiler, profile_to)
    return result


def new_profiler(async_mode: str = "enabled") -> Any:
    # pyinstrument follows awaits (SQLite runs on aiosqlite's thread, which cProfile
    # does not see); cProfile is the fallback when it is not installed.
    try:
        from pyinstrument import Profiler
    except ImportError:
        return _CProfile()
    return Profiler(interval=0.001, async_mode=async_mode)


class _CProfile:
    """cProfile behind pyinstrument's start/stop."""

    def __init__(self) -> None:
        import cProfile

        self.profile = cProfile.Profile()

    def start(self) -> None:
        self.profile.enable()

    def stop(self) -> None:
        self.profile.disable()


def write_profile(profiler: Any, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if hasattr(profiler, "output_text"):
        # Every frame: SQLAlchemy's own (parameter processing, ORM loading) is where
        # much of the time goes, and the default view hides library frames.
        text = str(profiler.output_text(unicode=True, color=False, show_all=True))
    else:
        import pstats

        buffer = io.StringIO()
        pstats.Stats(profiler.profile, stream=buffer).sort_stats("cumulative").print_stats(40)
        text = buffer.getvalue()
    path.write_text(text, encoding="utf-8")
    return str(path)
